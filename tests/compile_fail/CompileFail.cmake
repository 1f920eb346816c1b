# SPDX-License-Identifier: Apache-2.0
# Composition is checked: stacking a type that is not a policy, or a policy that declares a hook
# it does not implement, fails to compile with a message a person can read. Each test compiles a
# file expected to fail and looks for that message (a bare failure is not enough).
foreach(case IN ITEMS not_a_policy:does.not.model.shype::policy
                      missing_hook:declares.hook_kind::sharing.but.has.no)
  string(REPLACE ":" ";" parts "${case}")
  list(GET parts 0 name)
  list(GET parts 1 regex)
  shype_add_test(compile_fail_${name}
    COMMAND ${CMAKE_COMMAND}
      -DCXX=${CMAKE_CXX_COMPILER}
      -DSOURCE=${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/${name}.cpp
      -DINCLUDES=${PROJECT_SOURCE_DIR}/include
      -DEXPECT=${regex}
      -P ${CMAKE_CURRENT_SOURCE_DIR}/compile_fail/expect_failure.cmake)
endforeach()
