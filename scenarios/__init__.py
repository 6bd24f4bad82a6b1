"""The shipped scenarios: this folder is installed as the package ``sim.shipped`` (pyproject's
package-dir), its ``*.toml`` files as package data, so ``sim run observed-2025`` finds them in an
installed copy as in a clone. A scenario file added here is shipped too."""
