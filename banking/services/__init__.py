"""Local Gremlin Server and Kafka broker run from Maven jars (no Docker engine on these machines).

``python -m banking.services up|down|status|logs|env`` (also ``services/run.sh`` and
``banking services``) resolves the jars, writes the configs into a state folder, starts each JVM
on 127.0.0.1, waits until it really answers, and stops only the processes it recorded.
"""

from banking.services.settings import ServiceSettings

__all__ = ["ServiceSettings"]
