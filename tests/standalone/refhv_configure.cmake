# SPDX-License-Identifier: Apache-2.0
# refhv's README builds it standalone (`cmake -S refhv -B build-refhv`): configure it that way, in a
# scratch folder, with nothing the repository root would have defined (SHYPE_SANITIZE, SHYPE_WERROR ...).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/refhv -B ${WORK_DIR} -G ${GENERATOR}
                        -DCMAKE_CXX_COMPILER=${CXX}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "standalone refhv configure failed (${rc}):\n${out}\n${err}")
endif()
message(STATUS "refhv configures standalone")
