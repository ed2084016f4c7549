# doc_blocks.cmake — a Markdown file's code blocks are the repository's files.
#
# A block preceded (on the line before its opening fence) by
#   <!-- file: examples/host_app/main.cpp -->     must equal that file exactly;
#   <!-- excerpt: examples/c_plugin/c_plugin.c --> must appear in that file verbatim.
#
#   cmake -DDOC=docs/host-guide.md -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch>
#         -DEXPECT=<file>,<file>... -P doc_blocks.cmake
# EXPECT lists files the document must include with a "file:" marker. On a
# mismatch the document's version is written under WORK_DIR for diffing.
cmake_minimum_required(VERSION 3.21)

file(READ "${SOURCE_DIR}/${DOC}" text)
string(REPLACE "," ";" expected "${EXPECT}")
set(checked 0)
set(failures "")

while(TRUE)
  string(REGEX MATCH "<!-- (file|excerpt): ([^ ]+) -->\n```[^\n]*\n" marker "${text}")
  if(NOT marker)
    break()
  endif()
  set(kind "${CMAKE_MATCH_1}")
  set(path "${CMAKE_MATCH_2}")
  string(FIND "${text}" "${marker}" start)
  string(LENGTH "${marker}" marker_length)
  math(EXPR start "${start} + ${marker_length}")
  string(SUBSTRING "${text}" ${start} -1 text)
  string(FIND "${text}" "\n```" end)
  if(end EQUAL -1)
    message(FATAL_ERROR "${DOC}: the code block of ${path} is not closed")
  endif()
  math(EXPR end "${end} + 1")  # keep the block's last newline
  string(SUBSTRING "${text}" 0 ${end} block)
  string(SUBSTRING "${text}" ${end} -1 text)

  file(READ "${SOURCE_DIR}/${path}" source)
  if(kind STREQUAL "file")
    list(REMOVE_ITEM expected "${path}")
    set(same FALSE)
    if(block STREQUAL source)
      set(same TRUE)
    endif()
  else()
    string(FIND "${source}" "${block}" found)
    set(same FALSE)
    if(NOT found EQUAL -1)
      set(same TRUE)
    endif()
  endif()
  if(NOT same)
    file(WRITE "${WORK_DIR}/${path}.from-doc" "${block}")
    string(APPEND failures "\n  the ${kind} block of ${path} differs from the file; "
                           "diff ${SOURCE_DIR}/${path} ${WORK_DIR}/${path}.from-doc")
  endif()
  math(EXPR checked "${checked} + 1")
endwhile()

foreach(path IN LISTS expected)
  string(APPEND failures "\n  no <!-- file: ${path} --> block")
endforeach()
if(failures)
  message(FATAL_ERROR "${DOC}:${failures}")
endif()
message(STATUS "${DOC}: ${checked} code blocks match the repository")
