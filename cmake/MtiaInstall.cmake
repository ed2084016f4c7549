# Install rules and the exported CMake package "mtia_plugin_host".
#
#   find_package(mtia_plugin_host 0.1 REQUIRED)                         # both targets
#   find_package(mtia_plugin_host 0.1 REQUIRED COMPONENTS plugin_abi)   # a plugin: the C header only
#
# mtia::plugin_abi  the C header (and the optional C++ helper header) a plugin builds against
# mtia::host        the loader library an application links; brings nlohmann_json
# Plus pkg-config files mtia-plugin-host.pc and mtia-plugin-abi.pc, relocatable,
# and the build-tree export of the same package (find_package from <build>).
include(CMakePackageConfigHelpers)

set(MTIA_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/mtia_plugin_host"
    CACHE STRING "Where the CMake package files are installed (relative to the prefix)")

# The plugin ABI version, read from the header that defines it.
file(STRINGS "${PROJECT_SOURCE_DIR}/plugin_abi/include/mtia/plugin_abi.h" _mtia_abi_defines
     REGEX "^#define MTIA_PLUGIN_ABI_(MAJOR|MINOR) [0-9]+$")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*" "\\1.\\2" MTIA_PLUGIN_ABI_VERSION
       "${_mtia_abi_defines}")

# ---- targets and headers -----------------------------------------------------
set_target_properties(mtia_plugin_abi PROPERTIES EXPORT_NAME plugin_abi)
set_target_properties(mtia_host PROPERTIES EXPORT_NAME host)

install(TARGETS mtia_plugin_abi EXPORT mtia_plugin_abiTargets)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/plugin_abi/include/mtia"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT plugin_abi)

install(TARGETS mtia_host EXPORT mtia_plugin_hostTargets
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT host NAMELINK_COMPONENT host)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/host/include/mtia"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT host)

if(TARGET mtia-info)
  file(RELATIVE_PATH _mtia_bin_to_lib "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBDIR}")
  set_target_properties(mtia-info mtia-conformance PROPERTIES
    INSTALL_RPATH "$ORIGIN/${_mtia_bin_to_lib}")
  install(TARGETS mtia-info mtia-conformance RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
    COMPONENT host)
endif()
if(TARGET mtia_sample_plugin)
  install(TARGETS mtia_sample_plugin
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/mtia-plugin-host" COMPONENT sample)
endif()
# The sample plugin's discovery manifest (MTIA_INSTALL_SAMPLE_MANIFEST; otherwise
# only `cmake --install <build> --component sample_manifest` installs it). It
# names the library relative to itself, so the installed tree can move.
if(TARGET mtia_sample_plugin)
  set(_mtia_manifest_dir "${CMAKE_INSTALL_DATADIR}/mtia/plugins.d")
  file(RELATIVE_PATH _mtia_manifest_to_lib "${CMAKE_INSTALL_FULL_DATADIR}/mtia/plugins.d"
       "${CMAKE_INSTALL_FULL_LIBDIR}/mtia-plugin-host")
  file(CONFIGURE OUTPUT "${PROJECT_BINARY_DIR}/mtia-sample.json" CONTENT [[{
  "file_format_version": "1.1.0",
  "plugin": {
    "library_path": "@_mtia_manifest_to_lib@/$<TARGET_FILE_NAME:mtia_sample_plugin>",
    "abi_version": "@MTIA_PLUGIN_ABI_VERSION@",
    "priority": 0
  }
}
]] @ONLY)
  file(GENERATE OUTPUT "${PROJECT_BINARY_DIR}/mtia-sample-$<CONFIG>.json"
       INPUT "${PROJECT_BINARY_DIR}/mtia-sample.json")
  if(NOT MTIA_INSTALL_SAMPLE_MANIFEST)
    set(_mtia_manifest_optional EXCLUDE_FROM_ALL)
  endif()
  install(FILES "${PROJECT_BINARY_DIR}/mtia-sample-$<CONFIG>.json" RENAME mtia-sample.json
          DESTINATION "${_mtia_manifest_dir}" COMPONENT sample_manifest ${_mtia_manifest_optional})
endif()
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/CHANGELOG.md"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT doc)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        COMPONENT doc FILES_MATCHING PATTERN "*.md")

# ---- the CMake package --------------------------------------------------------
install(EXPORT mtia_plugin_abiTargets NAMESPACE mtia:: DESTINATION "${MTIA_INSTALL_CMAKEDIR}"
        COMPONENT plugin_abi)
install(EXPORT mtia_plugin_hostTargets NAMESPACE mtia:: DESTINATION "${MTIA_INSTALL_CMAKEDIR}"
        COMPONENT host)
configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/mtia_plugin_hostConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/mtia_plugin_hostConfig.cmake"
  INSTALL_DESTINATION "${MTIA_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/mtia_plugin_hostConfigVersion.cmake"
                                 COMPATIBILITY SameMajorVersion)
# The same package in the build tree: a consumer can find_package() this build
# folder (-Dmtia_plugin_host_DIR=<build> or CMAKE_PREFIX_PATH=<build>) without
# installing; the config and version files above already sit in it.
export(EXPORT mtia_plugin_abiTargets NAMESPACE mtia::
       FILE "${PROJECT_BINARY_DIR}/mtia_plugin_abiTargets.cmake")
export(EXPORT mtia_plugin_hostTargets NAMESPACE mtia::
       FILE "${PROJECT_BINARY_DIR}/mtia_plugin_hostTargets.cmake")
install(FILES "${PROJECT_BINARY_DIR}/mtia_plugin_hostConfig.cmake"
              "${PROJECT_BINARY_DIR}/mtia_plugin_hostConfigVersion.cmake"
        DESTINATION "${MTIA_INSTALL_CMAKEDIR}" COMPONENT plugin_abi)

# ---- pkg-config -----------------------------------------------------------------
# prefix is computed from the .pc file's own location, so the tree can move.
file(RELATIVE_PATH MTIA_PC_PREFIX_FROM_PCDIR "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig"
     "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" MTIA_PC_PREFIX_FROM_PCDIR "${MTIA_PC_PREFIX_FROM_PCDIR}")
foreach(_mtia_pc mtia-plugin-host mtia-plugin-abi)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/${_mtia_pc}.pc.in"
                 "${PROJECT_BINARY_DIR}/${_mtia_pc}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${_mtia_pc}.pc"
          DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT plugin_abi)
endforeach()
