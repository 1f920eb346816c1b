# SPDX-License-Identifier: Apache-2.0
# Installs shype (headers only: every other part switched off) into a scratch prefix, then
# configures, builds and runs the consumer project against it with find_package(shype).
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/shype -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_INSTALL_PREFIX=${WORK_DIR}/prefix -DSHYPE_BUILD_TESTS=OFF -DSHYPE_BUILD_TOOLS=OFF
    -DSHYPE_BUILD_PROPTESTS=OFF -DSHYPE_BUILD_FUZZERS=OFF -DSHYPE_BUILD_BENCHMARKS=OFF
    -DSHYPE_BUILD_REFHV=OFF -DSHYPE_BUILD_ADAPTERS=OFF)
run(${CMAKE_COMMAND} --install ${WORK_DIR}/shype)
if(NOT EXISTS ${WORK_DIR}/prefix/include/shype/monitor.hpp)
  message(FATAL_ERROR "headers were not installed")
endif()
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/consumer -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer)
message(STATUS "find_package(shype) consumer built and ran")
