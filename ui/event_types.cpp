#include "event_types.h"

namespace ft::ui {

void registerEventTypes() {
  qRegisterMetaType<ft::run::IterationEvent>();
  qRegisterMetaType<ft::run::EpochEvent>();
  qRegisterMetaType<ft::run::PhaseEvent>();
  qRegisterMetaType<ft::run::LogEvent>();
  qRegisterMetaType<ft::run::FinishedEvent>();
  qRegisterMetaType<ft::config::RunConfig>();
}

}  // namespace ft::ui
