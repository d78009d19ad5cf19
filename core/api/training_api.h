#pragma once
// Training, for a front end: the Trainer (torch-free behind its pimpl), the observer it reports
// to, and the time left in a run. Front ends include core only through api/ (and the value
// types config/run_config.h, run/events.h, common/error.h); tests/architecture enforces it.
#include "run/events.h"
#include "run/progress.h"
#include "train/device.h"
#include "train/observer.h"
#include "train/trainer.h"

namespace ft::api {

using train::Trainer;
using train::TrainingObserver;
using run::TimeLeft;
using run::timeLeft;
// Sets LibTorch's thread count (0 = every core) and returns it.
using train::applyFloatEnvironment;
using train::applyThreadCount;

}  // namespace ft::api
