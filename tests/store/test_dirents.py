"""`dirents.from_root`: a path from the store's root, by its text where icsvc joined it, as
`pathlib` would give it."""

from __future__ import annotations

from pathlib import Path

import pytest

from icsvc.store.dirents import from_root

ROOT = Path("/srv/store")


def by_pathlib(root: Path, path: str) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)


@pytest.mark.parametrize("path", [
    "/srv/store/requests/it/09KRRP64.yaml", "/srv/store/providers.yaml",
    "/srv/store//requests/it/x.yaml", "/srv/store/requests/./it/x.yaml",
    "/srv/store/requests/it/", "/srv/store/requests/it/.", "/srv/store/./x",
    "/srv/storey/requests/x.yaml", "/srv/store", "/srv/store/", "/elsewhere/x.yaml",
    "relative/x.yaml", "/srv/store/requests/../x.yaml", "/srv/store/.x.tmp",
])
def test_a_path_from_the_root_is_the_one_pathlib_gives(path: str) -> None:
    assert from_root(ROOT, path) == by_pathlib(ROOT, path)
    assert from_root(ROOT, Path(path)) == by_pathlib(ROOT, path)
