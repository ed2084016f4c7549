# consumer.cmake — mtia-plugin-host as downstream projects see it.
#
#   cmake -DSTEP=install|cmake|pkgconfig|buildtree -DBUILD_DIR=<build> -DSOURCE_DIR=<repo>
#         -DWORK_DIR=<scratch> -DCONFIG=<config> -DC_COMPILER=... -DCXX_COMPILER=...
#         [-DSANITIZE=address,undefined] -P consumer.cmake
#
# install    cmake --install BUILD_DIR into WORK_DIR/prefix
# cmake      builds examples/c_plugin (find_package COMPONENTS plugin_abi) and
#            examples/host_app (find_package, mtia::host) as separate projects
#            against the prefix; the app loads the out-of-tree plugin, and the
#            installed mtia-info --check passes it
# pkgconfig  the same two programs built by hand with the flags of
#            `pkg-config mtia-plugin-abi` / `pkg-config mtia-plugin-host`
# buildtree  the same two projects against the build tree itself (its
#            export(): -Dmtia_plugin_host_DIR=BUILD_DIR), nothing installed
cmake_minimum_required(VERSION 3.21)

set(prefix "${WORK_DIR}/prefix")
set(expected_first_line "plugin c-example 1.0.0 with 2 devices")
set(flags "")  # the host's sanitizers, which every consumer must share
if(SANITIZE)
  set(flags -fsanitize=${SANITIZE} -fno-omit-frame-pointer)
endif()

# run(<command>...): runs it, fails with its output unless it exits 0; the
# output is left in run_output.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT code EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${code}): ${command}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# build_examples(<work subdir> <cmake -D...>...): configures and builds
# examples/c_plugin and examples/host_app as separate projects under
# WORK_DIR/<work subdir>, finding the package with the given options.
function(build_examples subdir)
  string(REPLACE ";" " " flag_string "${flags}")
  foreach(project c_plugin host_app)
    set(build "${WORK_DIR}/${subdir}/${project}")
    file(REMOVE_RECURSE "${build}")
    run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/${project}" -B "${build}" ${ARGN}
        "-DCMAKE_BUILD_TYPE=${CONFIG}"
        "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
        "-DCMAKE_C_FLAGS=${flag_string}" "-DCMAKE_CXX_FLAGS=${flag_string}"
        "-DMTIA_SANITIZE=${SANITIZE}")
    run(${CMAKE_COMMAND} --build "${build}" --config "${CONFIG}")
  endforeach()
endfunction()

# expect_app(<app> <plugin> [<env>...]): the host app loads the plugin and
# prints the example's first line.
function(expect_app app plugin)
  run(${CMAKE_COMMAND} -E env MTIA_PLUGIN_PATH=${plugin} ${ARGN} ${app})
  if(NOT run_output MATCHES "^${expected_first_line}\n")
    message(FATAL_ERROR "${app} with ${plugin} printed:\n${run_output}")
  endif()
  message(STATUS "${app} loaded ${plugin}:\n${run_output}")
endfunction()

if(STEP STREQUAL "install")
  file(REMOVE_RECURSE "${WORK_DIR}")
  run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}" --config "${CONFIG}")
  foreach(file include/mtia/plugin_abi.h include/mtia/plugin_support.hpp include/mtia/hooks.h
               include/mtia/loader.h bin/mtia-info)
    if(NOT EXISTS "${prefix}/${file}")
      message(FATAL_ERROR "the install lacks ${file}")
    endif()
  endforeach()

elseif(STEP STREQUAL "cmake")
  build_examples(cmake "-DCMAKE_PREFIX_PATH=${prefix}")
  set(plugin "${WORK_DIR}/cmake/c_plugin/libmtia_c_example_plugin.so")
  expect_app("${WORK_DIR}/cmake/host_app/mtia_host_app" "${plugin}")
  run("${prefix}/bin/mtia-info" --check "${plugin}")
  if(NOT run_output MATCHES "\nResult: PASS \\(")
    message(FATAL_ERROR "the installed mtia-info --check ${plugin} printed:\n${run_output}")
  endif()

elseif(STEP STREQUAL "pkgconfig")
  file(GLOB_RECURSE pc_file "${prefix}/*/mtia-plugin-host.pc")
  get_filename_component(pc_dir "${pc_file}" DIRECTORY)
  get_filename_component(libdir "${pc_dir}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  run(pkg-config --cflags mtia-plugin-abi)
  separate_arguments(abi_flags UNIX_COMMAND "${run_output}")
  run(pkg-config --cflags --libs mtia-plugin-host)
  separate_arguments(host_flags UNIX_COMMAND "${run_output}")
  set(build "${WORK_DIR}/pkgconfig")
  file(REMOVE_RECURSE "${build}")
  file(MAKE_DIRECTORY "${build}")
  run(${C_COMPILER} -std=c11 -shared -fPIC -fvisibility=hidden ${flags} ${abi_flags}
      "${SOURCE_DIR}/examples/c_plugin/c_plugin.c"
      "-Wl,--version-script=${SOURCE_DIR}/examples/c_plugin/exports.map"
      -o "${build}/libmtia_c_example_plugin.so")
  run(${CXX_COMPILER} -std=c++17 ${flags} "${SOURCE_DIR}/examples/host_app/main.cpp"
      ${host_flags} -o "${build}/mtia_host_app")
  expect_app("${build}/mtia_host_app" "${build}/libmtia_c_example_plugin.so"
             "LD_LIBRARY_PATH=${libdir}")

elseif(STEP STREQUAL "buildtree")
  build_examples(buildtree "-Dmtia_plugin_host_DIR=${BUILD_DIR}")
  expect_app("${WORK_DIR}/buildtree/host_app/mtia_host_app"
             "${WORK_DIR}/buildtree/c_plugin/libmtia_c_example_plugin.so")

else()
  message(FATAL_ERROR "STEP must be install, cmake, pkgconfig or buildtree, not '${STEP}'")
endif()
