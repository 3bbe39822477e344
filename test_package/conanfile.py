"""test_package: a consumer built with Conan's CMake integration (CMakeDeps,
CMakeToolchain) and, for the pkg-config name, PkgConfigDeps. It always runs
the C program (version check); with MYWSCLIENT_TEST_URL set to an echo server
(scripts/package-tests.sh starts one) it also runs the C++ echo consumer,
built once with find_package(MyWSClient) and once with pkg-config."""

import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class MyWSClientTestConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "PkgConfigDeps", "VirtualRunEnv"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["MYWSCLIENT_PKGCONFIG_DIR"] = self.generators_folder.replace("\\", "/")
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if not can_run(self):
            return
        bindir = self.cpp.build.bindir
        self.run(os.path.join(bindir, "version_c"), env="conanrun")
        url = os.environ.get("MYWSCLIENT_TEST_URL", "")
        if not url:
            self.output.warning("MYWSCLIENT_TEST_URL is not set: the echo test is skipped")
            return
        for exe in ("echo_consumer", "echo_consumer_pkgconfig"):
            self.run(f"{os.path.join(bindir, exe)} {url} 20", env="conanrun")
