#pragma once
#include <stdexcept>
#include <string>

namespace ft {

// An error the user can act on: the message names what was wrong, where (file or field),
// and what to do about it. Front ends show `what()` as is; anything else is a bug.
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ft
