#include "model_speeds.h"

#include <algorithm>

#include "api/studio_api.h"
#include "background_runner.h"

namespace ft::ui {
namespace {
constexpr int kBatches = 3;  // timed per phase after 2 warm-up batches: a few seconds per model
}

ModelSpeeds::ModelSpeeds(ConfigFor configFor, QObject* parent)
    : QObject(parent), m_configFor(std::move(configFor)), m_runner(new BackgroundRunner(this)) {}

ModelSpeeds::~ModelSpeeds() = default;

std::string ModelSpeeds::key(const std::string& architecture) const {
  return architecture + "@" + std::to_string(m_configFor(architecture).transform.inputSize);
}

bool ModelSpeeds::isQueued(const std::string& architecture) const {
  return std::find(m_queue.begin(), m_queue.end(), architecture) != m_queue.end();
}

void ModelSpeeds::measure(const std::vector<std::string>& architectures, bool again) {
  for (const auto& architecture : architectures) {
    if (architecture == m_current || isQueued(architecture)) continue;
    if (!again && m_results.count(key(architecture))) continue;
    m_queue.push_back(architecture);
  }
  if (m_current.empty()) next();
  Q_EMIT changed();
}

void ModelSpeeds::cancel() {
  m_queue.clear();
  Q_EMIT changed();
}

std::optional<ModelSpeeds::Speed> ModelSpeeds::speed(const std::string& architecture) const {
  const auto it = m_results.find(key(architecture));
  if (it == m_results.end()) return std::nullopt;
  return it->second;
}

void ModelSpeeds::next() {
  if (m_queue.empty()) {
    m_current.clear();
    return;
  }
  m_current = m_queue.front();
  m_queue.pop_front();
  const config::RunConfig config = m_configFor(m_current);
  const std::string resultKey = key(m_current);
  Speed speed;
  speed.inputSize = config.transform.inputSize;
  speed.batchSize = config.train.batchSize;
  m_runner->run<api::EpochEstimate>([config] { return api::estimateRun(config, kBatches); },
                                    [this, resultKey, speed](const api::EpochEstimate& estimate) mutable {
                                      speed.frozen = estimate.frozenImagesPerSecond;
                                      speed.unfrozen = estimate.unfrozenImagesPerSecond;
                                      speed.precision = QString::fromStdString(estimate.precision);
                                      speed.machineBusy = estimate.machineBusy;
                                      m_results[resultKey] = speed;
                                      next();
                                      Q_EMIT changed();
                                    },
                                    [this, resultKey, speed](const QString& message) mutable {
                                      speed.error = message;
                                      m_results[resultKey] = speed;
                                      next();
                                      Q_EMIT changed();
                                    });
}

}  // namespace ft::ui
