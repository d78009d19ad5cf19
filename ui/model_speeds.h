#pragma once
// Training speed of the architectures on this machine, measured on demand: a few real batches
// of the wizard's configuration per architecture (api::estimateRun, as the review page times
// a run), one architecture at a time, off the GUI thread. The model card and the model gallery
// show what it holds; results are kept per architecture and input size.
#include <QObject>
#include <QString>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "config/run_config.h"

namespace ft::ui {

class BackgroundRunner;

class ModelSpeeds : public QObject {
  Q_OBJECT
 public:
  // configFor(architecture): the run configuration to time that architecture with (the data,
  // device, input size and batch size the wizard has so far; random weights).
  using ConfigFor = std::function<config::RunConfig(const std::string& architecture)>;
  explicit ModelSpeeds(ConfigFor configFor, QObject* parent = nullptr);
  ~ModelSpeeds() override;

  struct Speed {
    double frozen = 0.0;    // img/s, backbone frozen (head only)
    double unfrozen = 0.0;  // img/s, everything training
    int inputSize = 0;
    int batchSize = 0;
    QString precision;  // "float32", "bfloat16"
    bool machineBusy = false;
    QString error;  // non-empty: the measurement failed, and why
  };

  // Queues the architectures (those already queued or measured at the current size are skipped
  // unless `again`); starts at once when idle.
  void measure(const std::vector<std::string>& architectures, bool again = false);
  // Drops the queue; the architecture being timed finishes, its result is kept.
  void cancel();
  bool isMeasuring() const { return !m_current.empty(); }
  const std::string& current() const { return m_current; }
  bool isQueued(const std::string& architecture) const;
  int queued() const { return int(m_queue.size()); }
  // The result for `architecture` at the input size its configuration has now.
  std::optional<Speed> speed(const std::string& architecture) const;

 Q_SIGNALS:
  // Something started, finished or failed.
  void changed();

 private:
  void next();
  std::string key(const std::string& architecture) const;

  ConfigFor m_configFor;
  BackgroundRunner* m_runner;
  std::deque<std::string> m_queue;
  std::string m_current;
  std::map<std::string, Speed> m_results;  // by "architecture@size"
};

}  // namespace ft::ui
