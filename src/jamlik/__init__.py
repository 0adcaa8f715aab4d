"""jamlik — equity-focused public-health and healthcare analysis for Swedish regions.

The package is layered (see DESIGN.md in the repository): ``model`` at the bottom, then the pure
numeric layers ``stats`` and ``equity``, then ``geo``, ``sources``, ``store`` and ``cohort``, then
``engine``, then ``profiles``/``strategy``/``charts``, and finally ``web``, ``reports`` and ``cli``.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
