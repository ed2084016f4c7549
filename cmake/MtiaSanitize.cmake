# MTIA_SANITIZE: the sanitizers every target of this project is built with.
#
#   mtia_check_sanitize()              fails the configure on a value not in
#                                      MTIA_SANITIZE_VALUES, naming the accepted ones
#   mtia_sanitize_targets(<dir>)       adds the flags to every compiled target
#                                      defined in <dir> and below (target
#                                      properties, not CMAKE_<LANG>_FLAGS, so a
#                                      project that includes this one is unaffected)
set(MTIA_SANITIZE_VALUES "address,undefined" "address" "undefined" "thread")

function(mtia_check_sanitize)
  if(MTIA_SANITIZE AND NOT MTIA_SANITIZE IN_LIST MTIA_SANITIZE_VALUES)
    list(JOIN MTIA_SANITIZE_VALUES "', '" accepted)
    message(FATAL_ERROR "MTIA_SANITIZE='${MTIA_SANITIZE}' is not supported; "
                        "accepted: '' (none), '${accepted}'")
  endif()
endfunction()

function(mtia_sanitize_targets dir)
  if(NOT MTIA_SANITIZE)
    return()
  endif()
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(EXECUTABLE|SHARED_LIBRARY|MODULE_LIBRARY|STATIC_LIBRARY|OBJECT_LIBRARY)$")
      target_compile_options(${target} PRIVATE -fsanitize=${MTIA_SANITIZE}
                             -fno-omit-frame-pointer -fno-sanitize-recover=all)
    endif()
    if(type MATCHES "^(EXECUTABLE|SHARED_LIBRARY|MODULE_LIBRARY)$")
      target_link_options(${target} PRIVATE -fsanitize=${MTIA_SANITIZE})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    mtia_sanitize_targets("${subdir}")
  endforeach()
endfunction()
