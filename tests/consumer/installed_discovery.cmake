# discovery.installed_tree: install this build's host, tools, sample plugin and
# the sample's discovery manifest (component sample_manifest, what
# MTIA_INSTALL_SAMPLE_MANIFEST=ON installs by default) into a scratch prefix,
# then run <prefix>/bin/mtia-info with MTIA_PLUGIN_PATH and XDG_CONFIG_HOME
# unset and HOME an empty folder: it must find the sample through
# <prefix>/share/mtia/plugins.d, located from the installed libmtia_host.so.
# Then the tree is moved, and the moved tree finds its own manifest.
# (A manifest in the machine's /etc/mtia/plugins.d would be a candidate too.)
#
#   cmake -DBUILD_DIR=<build> -DWORK_DIR=<scratch> [-DCONFIG=<cfg>] -P installed_discovery.cmake
foreach(var BUILD_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/home")
file(REAL_PATH "${WORK_DIR}" work)
set(prefix "${work}/prefix")
set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
foreach(component host sample sample_manifest)
  execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}"
                          --component ${component} ${config_args}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "installing component ${component} failed (${rc}):\n${err}")
  endif()
endforeach()

# Runs <tree>/bin/mtia-info ARGN in the clean environment; sets `out`.
function(mtia_info tree)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env --unset=MTIA_PLUGIN_PATH --unset=XDG_CONFIG_HOME
            --unset=MTIA_PLUGIN_ALLOW_INSECURE "HOME=${work}/home" "${tree}/bin/mtia-info" ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  message(STATUS "${tree}/bin/mtia-info ${ARGN} (exit ${rc}):\n${stdout}${stderr}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${tree}/bin/mtia-info ${ARGN} exited with ${rc}")
  endif()
  set(out "${stdout}" PARENT_SCOPE)
endfunction()

function(expect text what)
  string(FIND "${out}" "${what}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected the output to contain\n  ${what}")
  endif()
endfunction()

foreach(tree "${prefix}" "${work}/moved")
  if(tree STREQUAL "${work}/moved")
    file(RENAME "${prefix}" "${tree}")
  endif()
  set(plugins_d "${tree}/share/mtia/plugins.d")
  mtia_info("${tree}")
  expect("${out}" "  name            mtia-sample\n")
  expect("${out}" "  path            ${tree}/lib/mtia-plugin-host/libmtia_sample_plugin.so\n")
  expect("${out}" "  found by        a manifest in the prefix plugins folder '${plugins_d}'\n")
  mtia_info("${tree}" --check)
  expect("${out}" "  discovery   user        '${work}/home/.config/mtia/plugins.d': does not exist\n")
  expect("${out}" "  discovery   prefix      '${plugins_d}': 1 manifest\n")
  expect("${out}" "  candidate   taken       '${plugins_d}/mtia-sample.json' (prefix, priority 0): ")
endforeach()
