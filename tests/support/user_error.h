#pragma once
// The one way the tests check a user-facing failure: `action` must throw ft::UserError whose
// message holds every one of `parts` (the file it names, the fix it suggests, ...).
#include <functional>
#include <initializer_list>
#include <string>

#include <gtest/gtest.h>

#include "common/error.h"

namespace ft::test {

// Returns the message (empty on failure) so a test can check more of it.
inline std::string expectUserError(const std::function<void()>& action,
                                   std::initializer_list<std::string> parts) {
  try {
    action();
  } catch (const UserError& e) {
    const std::string message = e.what();
    for (const auto& part : parts)
      EXPECT_NE(message.find(part), std::string::npos)
          << "message \"" << message << "\" lacks \"" << part << "\"";
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an ft::UserError: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error; expected an ft::UserError mentioning \"" << (parts.size() ? *parts.begin() : "")
                << "\"";
  return "";
}

}  // namespace ft::test
