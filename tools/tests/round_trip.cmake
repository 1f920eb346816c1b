# SPDX-License-Identifier: Apache-2.0
# For every policy: compile twice (same bytes), dump --xml and compile again (same bytes), and
# check the recorded source hash against CMake's own SHA-256 of the XML file.
#
#   cmake -DSHYPE=path/to/shype -DOUT_DIR=DIR -DPOLICIES=a.xml|b.xml|... -P round_trip.cmake

string(REPLACE "|" ";" policies "${POLICIES}")
file(MAKE_DIRECTORY ${OUT_DIR})
set(count 0)

function(run)
  execute_process(COMMAND ${SHYPE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "shype ${ARGN}: exit code ${rc}\n${out}${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

function(same a b what)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${a} ${b} RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "${what}: ${a} and ${b} differ")
  endif()
endfunction()

foreach(policy IN LISTS policies)
  get_filename_component(stem ${policy} NAME_WE)
  get_filename_component(dir ${policy} DIRECTORY)
  get_filename_component(dir ${dir} NAME)
  set(base ${OUT_DIR}/${dir}-${stem})
  run(compile ${policy} -o ${base}.bin)
  run(compile ${policy} -o ${base}.again.bin)
  same(${base}.bin ${base}.again.bin "compiling ${policy} twice")
  run(dump --xml ${base}.bin -o ${base}.dump.xml)
  run(compile ${base}.dump.xml -o ${base}.dump.bin)
  same(${base}.bin ${base}.dump.bin "compile -> dump --xml -> compile of ${policy}")
  run(dump --xml ${base}.dump.bin -o ${base}.dump2.xml)
  same(${base}.dump.xml ${base}.dump2.xml "dump --xml of the recompiled ${policy}")
  file(SHA256 ${policy} want)
  run(dump ${base}.bin)
  if(NOT run_out MATCHES "source-sha256: ${want}\n")
    message(FATAL_ERROR "${policy}: the binary does not record the file's SHA-256 ${want}:\n${run_out}")
  endif()
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "no policy given")
endif()
message("${count} policies round-trip")
