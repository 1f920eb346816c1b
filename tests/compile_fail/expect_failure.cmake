# SPDX-License-Identifier: Apache-2.0
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INCLUDES} ${SOURCE}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must be refused")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "${SOURCE} was refused without the expected message '${EXPECT}':\n${err}")
endif()
message(STATUS "refused with the expected message")
