"""The Vega, Vega-Lite and Vega-Embed bundle, served locally (no CDN on hospital networks).

Built once from the ``vl-convert-python`` package (which carries the libraries) and cached on
disk next to the warehouse, so later starts serve it at once.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

_LOCK = threading.Lock()
_BUNDLE: dict[str, tuple[str, str]] = {}


def vega_bundle(cache_dir: Path) -> tuple[str, str]:
    """``(javascript, etag)``; generated on first call, then from memory or the disk cache."""
    import vl_convert as vlc

    key = f"{vlc.__version__}-{'-'.join(vlc.get_vegalite_versions()[-1:])}"
    with _LOCK:
        if key in _BUNDLE:
            return _BUNDLE[key]
        path = cache_dir / f"vega-bundle-{key}.js"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = vlc.javascript_bundle()
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
            except OSError:
                pass  # a read-only disk only costs a rebuild at the next start
        result = (text, hashlib.sha256(text.encode()).hexdigest()[:16])
        _BUNDLE[key] = result
        return result
