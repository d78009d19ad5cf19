#pragma once
// The engine's plain value events, registered with Qt so they can cross threads in queued
// signals. No LibTorch here: only core/train/events.h and core/config/run_config.h.
#include <QMetaType>

#include "config/run_config.h"
#include "run/events.h"

Q_DECLARE_METATYPE(ft::run::IterationEvent)
Q_DECLARE_METATYPE(ft::run::EpochEvent)
Q_DECLARE_METATYPE(ft::run::PhaseEvent)
Q_DECLARE_METATYPE(ft::run::LogEvent)
Q_DECLARE_METATYPE(ft::run::FinishedEvent)
Q_DECLARE_METATYPE(ft::config::RunConfig)

namespace ft::ui {
// Call once before the first queued connection (main() and every GUI test do).
void registerEventTypes();
}  // namespace ft::ui
