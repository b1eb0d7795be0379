import pytest

from banking_repository.cache import LRUCache


def test_lru_evicts_the_least_recently_used_entry():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" becomes most recent
    cache.put("c", 3)
    assert "b" not in cache and "a" in cache and "c" in cache
    assert (cache.hits, cache.misses) == (1, 0)
    assert cache.get("b", None) is None
    assert cache.misses == 1


def test_size_zero_disables_the_cache():
    cache = LRUCache(0)
    cache.put("a", 1)
    assert not cache.enabled and len(cache) == 0


def test_clear_empties_and_negative_size_is_rejected():
    cache = LRUCache(3)
    cache.put("a", 1)
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError):
        LRUCache(-1)
