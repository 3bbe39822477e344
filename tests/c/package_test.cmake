# ctest c_package: install the build into a temporary prefix, check the
# installed files, then configure, build and run tests/c/package against it.
# Usage: cmake -DBUILD_DIR= -DPREFIX= -DWORK= -DPROJECT_DIR= -DECHO_SERVER= -DWANT_VERSION= -P package_test.cmake

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "ok: ${ARGN}")
endfunction()

file(REMOVE_RECURSE "${PREFIX}" "${WORK}")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}")

# The installed layout.
file(GLOB libdirs LIST_DIRECTORIES true "${PREFIX}/lib*")
list(GET libdirs 0 libdir)
if(EXISTS "${libdir}/x86_64-linux-gnu")
  set(libdir "${libdir}/x86_64-linux-gnu")
endif()
file(GLOB real "${libdir}/libmywsclient.so.*.*.*")
if(NOT real)
  message(FATAL_ERROR "no libmywsclient.so.X.Y.Z in ${libdir}")
endif()
foreach(f libmywsclient.so libmywsclient.a)
  if(NOT EXISTS "${libdir}/${f}")
    message(FATAL_ERROR "missing ${libdir}/${f}")
  endif()
endforeach()
if(NOT IS_SYMLINK "${libdir}/libmywsclient.so")
  message(FATAL_ERROR "${libdir}/libmywsclient.so is not a symlink")
endif()
file(GLOB soname_link "${libdir}/libmywsclient.so.*")
list(LENGTH soname_link n)
if(n LESS 2)
  message(FATAL_ERROR "missing the soname symlink in ${libdir}: ${soname_link}")
endif()
foreach(f include/mywsclient/mywsclient.h)
  if(NOT EXISTS "${PREFIX}/${f}")
    message(FATAL_ERROR "missing ${PREFIX}/${f}")
  endif()
endforeach()
foreach(f cmake/MyWSClient/MyWSClientConfig.cmake cmake/MyWSClient/MyWSClientConfigVersion.cmake pkgconfig/mywsclient.pc)
  if(NOT EXISTS "${libdir}/${f}")
    message(FATAL_ERROR "missing ${libdir}/${f}")
  endif()
endforeach()

get_filename_component(util_dir "${PROJECT_DIR}/.." ABSOLUTE)
run("${CMAKE_COMMAND}" -S "${PROJECT_DIR}" -B "${WORK}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}"
    "-DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}"
    "-DECHO_SERVER=${ECHO_SERVER}"
    "-DTEST_UTIL_DIR=${util_dir}"
    "-DWANT_VERSION=${WANT_VERSION}"
    "-DCMAKE_BUILD_TYPE=Release")
run("${CMAKE_COMMAND}" --build "${WORK}")
foreach(exe pkg_shared pkg_static pkg_pkgconfig)
  if(EXISTS "${WORK}/${exe}")
    run("${WORK}/${exe}")
  elseif(NOT exe STREQUAL "pkg_pkgconfig")
    message(FATAL_ERROR "${exe} was not built")
  else()
    message(STATUS "pkg-config not found: skipped ${exe}")
  endif()
endforeach()
