# Run with cmake -P: installs the library built in BUILD_DIR into PREFIX, then configures and builds the
# contract programs (PROGRAMS, comma-separated, from SOURCE_DIR) against it in CONTRACT_BUILD, with the
# library's own compiler (CXX_COMPILER): a sanitized library needs its compiler's sanitizer runtime.
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGV}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX})
run(${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR} -B ${CONTRACT_BUILD}
    -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    -DCONTRACT_SOURCE_DIR=${SOURCE_DIR} -DCONTRACT_PROGRAMS=${PROGRAMS})
run(${CMAKE_COMMAND} --build ${CONTRACT_BUILD} -j2)
