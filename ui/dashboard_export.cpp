#include "dashboard_export.h"

#include <QChart>
#include <QChartView>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>

#include <exception>

#include "api/studio_api.h"

namespace ft::ui {

QStringList DashboardExport::saveCharts(const QList<QChartView*>& views, const QStringList& files,
                                        const QString& folder, QSize hiddenSize, qreal scale,
                                        QString* error) {
  if (!QDir().mkpath(folder)) {
    if (error) *error = tr("Cannot create the folder %1.").arg(folder);
    return {};
  }
  QStringList written;
  for (int i = 0; i < views.size() && i < files.size(); ++i) {
    QChartView* view = views[i];
    // On screen: the chart as the user sees it, at `scale` times the resolution. Hidden:
    // rendering the widget would lay the hidden page out at its own size, so the chart itself
    // is laid out at the export size, drawn from its scene, and given its size back.
    const bool shown = view->isVisible() && view->width() >= 280 && view->height() >= 200;
    const QSize size = shown ? view->size() : hiddenSize;
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    if (shown) {
      // QWidget::render (QGraphicsView::render would draw the scene only, without the frame).
      static_cast<QWidget*>(view)->render(&image);
    } else {
      QChart* chart = view->chart();
      const QSizeF oldSize = chart->size();
      chart->resize(size);
      QPainter painter(&image);
      painter.setRenderHint(QPainter::Antialiasing);
      painter.setRenderHint(QPainter::TextAntialiasing);
      chart->scene()->render(&painter, QRectF(QPointF(0, 0), QSizeF(size)), chart->sceneBoundingRect());
      painter.end();
      chart->resize(oldSize);
    }
    const QString path = QDir(folder).filePath(files[i]);
    if (!image.save(path, "PNG")) {
      if (error) *error = tr("Cannot write %1: check that the folder is writable.").arg(path);
      return {};
    }
    written << path;
  }
  return written;
}

bool DashboardExport::saveMetricsCsv(const QString& path, const QString& runDir,
                                     const std::vector<run::IterationEvent>& iterations,
                                     const std::vector<run::EpochEvent>& epochs, QString* error) {
  const auto fail = [error](const QString& message) {
    if (error) *error = message;
    return false;
  };
  if (QFileInfo::exists(path) && !QFile::remove(path))
    return fail(tr("Cannot replace %1: check that the file is writable.").arg(path));
  const QString runMetrics = runDir.isEmpty() ? QString()
                                              : QDir(runDir).filePath(QStringLiteral("metrics.csv"));
  if (!runMetrics.isEmpty() && QFileInfo::exists(runMetrics)) {
    if (!QFile::copy(runMetrics, path))
      return fail(tr("Cannot copy %1 to %2: check that the folder is writable.").arg(runMetrics, path));
    return true;
  }
  if (iterations.empty() && epochs.empty()) return fail(tr("There are no metrics to save yet."));
  try {
    api::writeMetricsCsv(path.toStdString(), iterations, epochs);
  } catch (const std::exception& e) {
    return fail(QString::fromStdString(e.what()));
  }
  return true;
}

}  // namespace ft::ui
