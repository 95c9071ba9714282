# Registers the contract tests: install the library into a prefix inside the build tree, build each program
# of ../shared/api (or the copies kept here, where ../shared is absent) against it, and run it.
set(CONTRACT_PROGRAMS seed_mlp core_surface training vision saving)
set(CONTRACT_SOURCE_DIR ${PROJECT_SOURCE_DIR}/../shared/api)
if(NOT EXISTS ${CONTRACT_SOURCE_DIR}/seed_mlp.cpp)
  set(CONTRACT_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/contract)
endif()
set(CONTRACT_PREFIX ${CMAKE_BINARY_DIR}/contract-prefix)
set(CONTRACT_BUILD ${CMAKE_BINARY_DIR}/contract-build)
string(REPLACE ";" "," CONTRACT_LIST "${CONTRACT_PROGRAMS}")

add_test(NAME contract_install_and_build
  COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${CMAKE_BINARY_DIR} -DPREFIX=${CONTRACT_PREFIX}
    -DCONTRACT_BUILD=${CONTRACT_BUILD} -DSOURCE_DIR=${CONTRACT_SOURCE_DIR} -DPROGRAMS=${CONTRACT_LIST}
    -DCXX_COMPILER=${CMAKE_CXX_COMPILER} -DCXX_FLAGS=${CMAKE_CXX_FLAGS} -DLINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/contract/build_contract.cmake)
set_tests_properties(contract_install_and_build PROPERTIES FIXTURES_SETUP contract TIMEOUT 900)

# saving.cpp takes the folder of real Keras files (a copy of ../shared/fixtures/keras is kept in the tests).
set(CONTRACT_ARGS_saving ${PROJECT_SOURCE_DIR}/tests/saving/data/keras)
foreach(program IN LISTS CONTRACT_PROGRAMS)
  add_test(NAME contract_${program} COMMAND ${CONTRACT_BUILD}/${program} ${CONTRACT_ARGS_${program}})
  set_tests_properties(contract_${program} PROPERTIES FIXTURES_REQUIRED contract TIMEOUT 1200)
endforeach()

# The copies kept here must stay identical to the contract where it is present.
if(EXISTS ${PROJECT_SOURCE_DIR}/../shared/api/seed_mlp.cpp)
  foreach(program IN LISTS CONTRACT_PROGRAMS)
    add_test(NAME contract_copy_${program} COMMAND ${CMAKE_COMMAND} -E compare_files
      ${PROJECT_SOURCE_DIR}/../shared/api/${program}.cpp ${CMAKE_CURRENT_SOURCE_DIR}/contract/${program}.cpp)
  endforeach()
endif()
