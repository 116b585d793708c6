"""Build the compiled assignment kernels (Cython + OpenMP); everything else is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

KERNELS = ("_vdf", "_kernels", "_paths")

extensions = [
    Extension(
        f"corridor.assignment.{name}",
        [f"src/corridor/assignment/{name}.pyx"],
        extra_compile_args=["-O3", "-fopenmp"],
        extra_link_args=["-fopenmp"],
    )
    for name in KERNELS
]

setup(ext_modules=cythonize(extensions, include_path=["src"], compiler_directives={"language_level": 3}))
