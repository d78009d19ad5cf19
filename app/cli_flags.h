#pragma once
// finetune-cli's training flags: each one, when given, overrides one field of the run
// configuration (from --config, or the defaults).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/run_config.h"

namespace ft::cli {

using config::RunConfig;

// A flag that, when given, overrides one field of the configuration (file or defaults).
class Overrides {
 public:
  Overrides(CLI::App* command, const RunConfig& defaults) : m_command(command), m_defaults(defaults) {}

  template <typename T>
  CLI::Option* add(const std::string& flag, T& (*field)(RunConfig&), const std::string& help) {
    auto value = std::make_shared<T>(field(m_defaults));
    CLI::Option* option = m_command->add_option(flag, *value, help)->capture_default_str();
    m_apply.push_back([option, value, field](RunConfig& config) {
      if (option->count() > 0) field(config) = *value;
    });
    return option;
  }

  CLI::Option* addSwitch(const std::string& flag, bool& (*field)(RunConfig&), bool setTo,
                         const std::string& help) {
    CLI::Option* option = m_command->add_flag(flag, help);
    m_apply.push_back([option, field, setTo](RunConfig& config) {
      if (option->count() > 0) field(config) = setTo;
    });
    return option;
  }

  void applyTo(RunConfig& config) const {
    for (const auto& apply : m_apply) apply(config);
  }

 private:
  CLI::App* m_command;
  RunConfig m_defaults;
  std::vector<std::function<void(RunConfig&)>> m_apply;
};

// Every RunConfig field as a flag of `train` (--data, --epochs, --head-lr, ...).
void addTrainFlags(Overrides& o);

}  // namespace ft::cli
