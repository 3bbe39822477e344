"""Conan 2 recipe for mywsclient.

    conan create . [-o "mywsclient/*:shared=True"]

builds the library from source (CMake drives cargo: a Rust toolchain must be
on PATH or in ~/.cargo/bin) and packages the library (shared or static, as the
`shared` option says), the headers (mywsclient/mywsclient.h, MyWSClient.h
with the mywsclient/cxx/*.h it includes) and the command-line client mywsc. Consumers get the same names as from the
installed CMake package and pkg-config:

    find_package(MyWSClient REQUIRED)
    target_link_libraries(app PRIVATE MyWSClient::MyWSClient)   # C++ class
    target_link_libraries(capp PRIVATE MyWSClient::mywsclient)  # C API
    pkg-config --cflags --libs mywsclient                       # PkgConfigDeps

test_package/ builds such a consumer; with MYWSCLIENT_TEST_URL set (as
scripts/package-tests.sh does) it also runs an echo against that server.
"""

import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rm, rmdir


class MyWSClientConan(ConanFile):
    name = "mywsclient"
    description = "A WebSocket client that stays connected: Rust core, C ABI, drop-in C++ MyWSClient"
    license = "MIT OR Apache-2.0"
    topics = ("websocket", "client", "reconnect", "tls")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    # The static library is position-independent already (Rust's default on
    # Linux), so there is no fPIC option.
    options = {"shared": [True, False]}
    default_options = {"shared": False}
    # What cargo and CMake need to build the library and the CLI (the cargo
    # workspace includes tools/, so its manifest and sources come along).
    exports_sources = (
        "Cargo.toml",
        "build.rs",
        "cbindgen.toml",
        "rustfmt.toml",
        "CMakeLists.txt",
        "cmake/*",
        "cli/*",
        "include/*",
        "src/*",
        "tools/*",
    )

    def set_version(self):
        cargo = load(self, os.path.join(self.recipe_folder, "Cargo.toml"))
        self.version = re.search(r'^version\s*=\s*"([^"]+)"', cargo, re.M).group(1)

    def validate(self):
        # The soname, the staged symlinks and the static library's native
        # libraries are those of Linux (CMakeLists.txt).
        if self.settings.os != "Linux":
            raise ConanInvalidConfiguration("mywsclient's recipe supports Linux only for now")

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["MYWSCLIENT_BUILD_TESTS"] = False
        tc.cache_variables["MYWSCLIENT_BUILD_CLI"] = True
        tc.cache_variables["MYWSCLIENT_INSTALL"] = True
        # The CLI links the library the package carries.
        tc.cache_variables["MYWSCLIENT_STATIC"] = not self.options.shared
        # cargo's target directory: inside the build folder, not the sources;
        # `-c user.mywsclient:cargo_target_dir=DIR` shares one between builds.
        target_dir = self.conf.get("user.mywsclient:cargo_target_dir") or os.path.join(self.build_folder, "cargo-target")
        tc.cache_variables["MYWSCLIENT_CARGO_TARGET_DIR"] = str(target_dir).replace("\\", "/")
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        cmake = CMake(self)
        cmake.install()
        lib = os.path.join(self.package_folder, "lib")
        # One kind of library per package, as the `shared` option says.
        if self.options.shared:
            rm(self, "*.a", lib)
        else:
            rm(self, "*.so*", lib)
        # Consumers get CMake and pkg-config files from Conan's generators.
        rmdir(self, os.path.join(lib, "cmake"))
        rmdir(self, os.path.join(lib, "pkgconfig"))
        copy(self, "copyright", os.path.join(self.package_folder, "share", "doc", "mywsclient"),
             os.path.join(self.package_folder, "licenses"))
        rmdir(self, os.path.join(self.package_folder, "share", "doc"))

    def package_info(self):
        shared = bool(self.options.shared)
        self.cpp_info.set_property("cmake_file_name", "MyWSClient")
        self.cpp_info.set_property("cmake_target_name", "MyWSClient::MyWSClient")
        aliases = ["MyWSClient::mywsclient"]
        aliases += ["MyWSClient::mywsclient_shared"] if shared else ["MyWSClient::mywsclient_static", "MyWSClient::MyWSClient_static"]
        self.cpp_info.set_property("cmake_target_aliases", aliases)
        self.cpp_info.set_property("pkg_config_name", "mywsclient")
        self.cpp_info.libs = ["mywsclient"]
        # What `rustc --print native-static-libs` reports for the static
        # library (CMakeLists.txt: MYWSCLIENT_NATIVE_STATIC_LIBS); the C++
        # class needs threads either way.
        self.cpp_info.system_libs = ["pthread"] if shared else ["gcc_s", "util", "rt", "pthread", "m", "dl"]
