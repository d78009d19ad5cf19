#include "event_types.h"

namespace ft::ui {

void registerEventTypes() {
  qRegisterMetaType<ft::train::IterationEvent>();
  qRegisterMetaType<ft::train::EpochEvent>();
  qRegisterMetaType<ft::train::PhaseEvent>();
  qRegisterMetaType<ft::train::LogEvent>();
  qRegisterMetaType<ft::train::FinishedEvent>();
  qRegisterMetaType<ft::config::RunConfig>();
}

}  // namespace ft::ui
