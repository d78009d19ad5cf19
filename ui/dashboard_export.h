#pragma once
// The dashboard's "Save charts…" and "Save metrics as CSV…": the charts as PNG files and the
// metrics in metrics.csv's layout. No dialogs here; the page asks where, this writes.
#include <QCoreApplication>
#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>

#include <vector>

#include "run/events.h"

class QChartView;

namespace ft::ui {

class DashboardExport {
  Q_DECLARE_TR_FUNCTIONS(ft::ui::DashboardExport)

 public:
  // Saves each view's chart into `folder` as files[i] (PNG), at `scale` device pixels per
  // logical pixel. A view on screen is drawn as the user sees it; a hidden one (another page
  // of the wizard is showing) has its chart laid out at `hiddenSize` for the picture. Returns
  // the files written; on failure an empty list and `error` says why.
  static QStringList saveCharts(const QList<QChartView*>& views, const QStringList& files,
                                const QString& folder, QSize hiddenSize, qreal scale, QString* error);

  // Writes `path` as metrics.csv has it: a copy of <runDir>/metrics.csv when there is one,
  // otherwise the rows of the given events. False and `error` when it cannot.
  static bool saveMetricsCsv(const QString& path, const QString& runDir,
                             const std::vector<run::IterationEvent>& iterations,
                             const std::vector<run::EpochEvent>& epochs, QString* error);
};

}  // namespace ft::ui
