"""Build the compiled kernels (assignment: Cython + OpenMP; the TNTP trips scanner); everything else is in
pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

KERNELS = ("_vdf", "_kernels", "_paths", "_logit", "_newton")

extensions = [
    Extension(
        f"corridor.assignment.{name}",
        [f"src/corridor/assignment/{name}.pyx"],
        extra_compile_args=["-O3", "-fopenmp"],
        extra_link_args=["-fopenmp"],
    )
    for name in KERNELS
] + [Extension("corridor.network._tntp_scan", ["src/corridor/network/_tntp_scan.pyx"], extra_compile_args=["-O3"])]

setup(ext_modules=cythonize(extensions, include_path=["src"], compiler_directives={"language_level": 3}))
