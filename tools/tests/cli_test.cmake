# SPDX-License-Identifier: Apache-2.0
# Runs one command of the real `shype` binary and checks what it did.
#
#   cmake [-DEXPECT_RC=N] [-DEXPECT_STDOUT=FILE] [-DEXPECT_STDERR=FILE] [-DEXPECT_STDERR_EMPTY=ON]
#         [-DSTDOUT_MATCHES=REGEX] [-DSTDERR_MATCHES=REGEX] [-DWORK_DIR=DIR]
#         [-DENV_PATH=VALUE] -P cli_test.cmake -- COMMAND ARGS...
#
# Output is compared byte for byte; a mismatch prints both.

set(cmd)
set(after_dashes OFF)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND cmd "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_dashes ON)
  endif()
endforeach()
if(NOT cmd)
  message(FATAL_ERROR "cli_test.cmake: no command after --")
endif()

if(NOT DEFINED WORK_DIR)
  set(WORK_DIR ${CMAKE_CURRENT_BINARY_DIR})
endif()
if(DEFINED ENV_PATH)
  set(ENV{PATH} "${ENV_PATH}")
endif()

execute_process(COMMAND ${cmd} WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)

set(failed OFF)
if(DEFINED EXPECT_RC AND NOT "${rc}" STREQUAL "${EXPECT_RC}")
  message(SEND_ERROR "exit code ${rc}, expected ${EXPECT_RC}")
  set(failed ON)
endif()
if(DEFINED EXPECT_STDOUT)
  file(READ ${EXPECT_STDOUT} want)
  if(NOT out STREQUAL want)
    message(SEND_ERROR "standard output differs from ${EXPECT_STDOUT}")
    set(failed ON)
  endif()
endif()
if(DEFINED EXPECT_STDERR)
  file(READ ${EXPECT_STDERR} want)
  if(NOT err STREQUAL want)
    message(SEND_ERROR "standard error differs from ${EXPECT_STDERR}")
    set(failed ON)
  endif()
endif()
if(EXPECT_STDERR_EMPTY AND NOT err STREQUAL "")
  message(SEND_ERROR "standard error is not empty")
  set(failed ON)
endif()
if(DEFINED STDOUT_MATCHES AND NOT out MATCHES "${STDOUT_MATCHES}")
  message(SEND_ERROR "standard output does not match: ${STDOUT_MATCHES}")
  set(failed ON)
endif()
if(DEFINED STDERR_MATCHES AND NOT err MATCHES "${STDERR_MATCHES}")
  message(SEND_ERROR "standard error does not match: ${STDERR_MATCHES}")
  set(failed ON)
endif()
if(failed)
  message("command: ${cmd}\n--- standard output ---\n${out}--- standard error ---\n${err}---")
endif()
