import io

from banking.progress import Progress


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_draws_on_a_terminal():
    stream = _Tty()
    bar = Progress(stream=stream)
    bar.start(200, "persons")
    bar.update(100)
    bar.set_label("accounts")
    bar.update(100)
    bar.close()
    text = stream.getvalue()
    assert "persons" in text and "accounts" in text and "100%" in text and text.endswith("\n")


def test_silent_when_not_a_terminal_or_quiet():
    pipe = io.StringIO()
    bar = Progress(100, "x", stream=pipe)
    bar.update(50)
    bar.close()
    assert pipe.getvalue() == ""
    tty = _Tty()
    quiet = Progress(100, "x", stream=tty, quiet=True)
    quiet.update(100)
    quiet.close()
    assert tty.getvalue() == "" and quiet.done == 100
