// ResultsPage on a tiny real run (trained for real by the engine on synthetic data): summary and
// per-epoch table, the evaluation tabs (confusion matrix, cell gallery, per-class chart,
// misclassified gallery), the try-it panel, and export (.pt, .pth, .safetensors, .onnx) on a
// worker thread.
#include <QBarSeries>
#include <QBarSet>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QListView>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QUrl>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "api/results_api.h"
#include "api/studio_api.h"
#include "class_metrics_view.h"
#include "common/error.h"
#include "confusion_matrix_view.h"
#include "event_types.h"
#include "results_page.h"
#include "test_support.h"
#include "tiny_run.h"
#include "ui_test_support.h"
#include "thumbnail_gallery.h"
#include "train/trainer.h"
#include "try_it_panel.h"

namespace fs = std::filesystem;
using ft::run::EpochEvent;
using ft::run::FinishedEvent;
using ft::ui::ResultsPage;
using State = ft::ui::ResultsPage::EvaluationState;

namespace {

struct Collector final : ft::train::TrainingObserver {
  QList<EpochEvent> epochs;
  void onEpoch(const EpochEvent& e) override { epochs.append(e); }
};

QString expectedExportError(const std::string& runDir, const std::string& which, const std::string& path) {
  try {
    ft::api::exportRun(runDir, which, path);
  } catch (const ft::UserError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

// Starts the export and waits for its end (the export runs on a worker thread).
bool exportAndWait(ResultsPage& page, const QString& path, const QString& which) {
  QSignalSpy finished(&page, &ResultsPage::exportFinished);
  page.exportTo(path, which);
  if (finished.isEmpty() && !finished.wait(120000)) return false;
  return finished.front().front().toBool();
}

// Shows the run and waits until the checkpoint's evaluation is on the page.
bool showAndWait(ResultsPage& page, const QString& runDir, const QList<EpochEvent>& epochs,
                 const FinishedEvent& finished) {
  QSignalSpy done(&page, &ResultsPage::evaluationFinished);
  page.showRun(runDir, epochs, finished);
  return done.wait(120000) && page.evaluationState() == State::Ready;
}

std::vector<std::size_t> sampleIndices(const ft::ui::ThumbnailGalleryModel* model) {
  std::vector<std::size_t> out;
  for (int row = 0; row < model->sampleCount(); ++row) out.push_back(model->sample(row).sampleIndex);
  return out;
}

std::vector<std::size_t> sampleIndices(const std::vector<ft::api::SamplePrediction>& samples) {
  std::vector<std::size_t> out;
  for (const auto& s : samples) out.push_back(s.sampleIndex);
  return out;
}

}  // namespace

class ResultsTest final : public QObject {
  Q_OBJECT

 private:
  ft::test::TempDir m_dir{"ui-results"};
  QString m_runDir;
  QList<EpochEvent> m_epochs;
  FinishedEvent m_finished;

  // A copy of the run folder without its stored evaluations.
  QString unevaluatedCopy(const std::string& name) {
    const fs::path copy = m_dir / name;
    fs::copy(m_runDir.toStdString(), copy, fs::copy_options::recursive);
    fs::remove_all(copy / "evaluation");
    return QString::fromStdString(copy.string());
  }

 private Q_SLOTS:
  void initTestCase() {
    ft::ui::registerEventTypes();
    ft::test::writeSyntheticIdx(m_dir / "data", 96, 48);
    auto c = ft::test::tinyRunConfig(m_dir.path(), "results");
    c.train.evalBatchSize = 16;
    c.train.workers = 1;
    c.train.seed = ft::config::RunConfig{}.train.seed;
    Collector collector;
    ft::train::Trainer trainer(c, &collector);
    m_finished = trainer.run();
    QCOMPARE(int(m_finished.status), int(ft::run::FinishStatus::Completed));
    m_runDir = QString::fromStdString(m_finished.runDir);
    m_epochs = collector.epochs;
    QCOMPARE(m_epochs.size(), 2);
  }

  void showRunFillsSummaryAndTable() {
    ResultsPage page;
    page.showRun(m_runDir, m_epochs, m_finished);
    QTableWidget* table = page.epochTable();
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->columnCount(), int(ResultsPage::ColumnCount));
    QCOMPARE(table->item(0, ResultsPage::EpochColumn)->text(), QStringLiteral("1"));
    QCOMPARE(table->item(0, ResultsPage::PhaseColumn)->text(), QStringLiteral("frozen"));
    QCOMPARE(table->item(1, ResultsPage::PhaseColumn)->text(), QStringLiteral("unfrozen"));
    // The accuracy says which precision produced it (issue 12).
    QCOMPARE(table->item(1, ResultsPage::ValidationAccuracyColumn)->text(),
             QStringLiteral("%1% (%2)")
                 .arg(m_epochs[1].validationAccuracy, 0, 'f', 2)
                 .arg(QString::fromStdString(m_epochs[1].validationPrecision)));
    QVERIFY(table->item(1, ResultsPage::LearningRateColumn)->text().contains(QStringLiteral(" / ")));
    const QString summary = page.summaryText();
    QVERIFY2(summary.contains(QStringLiteral("%1%").arg(m_finished.bestValidationAccuracy, 0, 'f', 2)),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("epoch %1").arg(m_finished.bestEpoch + 1)), qPrintable(summary));
    QVERIFY(summary.contains(QStringLiteral("%1%").arg(m_finished.finalValidationAccuracy, 0, 'f', 2)));
    QVERIFY2(summary.contains(QStringLiteral("Completed: 2 epochs trained.")), qPrintable(summary));
    // The frozen epoch's backbone rate means nothing: a dash.
    QVERIFY2(table->item(0, ResultsPage::LearningRateColumn)->text().endsWith(QStringLiteral(" / –")),
             qPrintable(table->item(0, ResultsPage::LearningRateColumn)->text()));
    QCOMPARE(page.defaultExportPath(QStringLiteral("best")),
             m_runDir + QStringLiteral("/exports/model-best.pt"));
    QCOMPARE(page.selectedCheckpoint(), QStringLiteral("best"));
  }

  void showHistoryMatchesTheRun() {
    ResultsPage page;
    page.showHistory(m_runDir, ft::api::readRunHistory(m_runDir.toStdString()));
    QCOMPARE(page.epochTable()->rowCount(), 2);
    QVERIFY(
        page.summaryText().contains(QStringLiteral("%1%").arg(m_finished.bestValidationAccuracy, 0, 'f', 2)));
  }

  void storedEvaluationFillsMatrixAndGalleries() {
    const auto stored = ft::api::readEvaluation(m_runDir.toStdString(), "best");
    QVERIFY2(stored.has_value(), "the trainer stores the best checkpoint's evaluation");
    ResultsPage page;
    QSignalSpy progress(&page, &ResultsPage::evaluationProgress);
    QVERIFY(showAndWait(page, m_runDir, m_epochs, m_finished));
    QCOMPARE(progress.count(), 0);  // read from the run folder, not evaluated again
    const auto& report = page.evaluation();
    QCOMPARE(report.checkpoint, std::string("best"));
    QCOMPARE(report.samples, std::int64_t(48));
    QCOMPARE(report.confusion, stored->confusion);

    // The heatmap holds the report's counts, cell by cell.
    auto* matrix = page.confusionMatrix();
    const int n = int(report.classNames.size());
    QCOMPARE(n, 10);
    QCOMPARE(matrix->classCount(), n);
    std::int64_t total = 0;
    for (int t = 0; t < n; ++t)
      for (int p = 0; p < n; ++p) {
        QCOMPARE(matrix->count(t, p), report.confusion[std::size_t(t)][std::size_t(p)]);
        total += matrix->count(t, p);
      }
    QCOMPARE(total, report.samples);
    // Tooltips give the count and the share of the row.
    const auto& c = report.classes[0];
    if (c.support > 0) {
      const QString tip = matrix->toolTipFor(0, 0);
      QVERIFY2(tip.contains(QStringLiteral("%1 images").arg(report.confusion[0][0])), qPrintable(tip));
      QVERIFY2(tip.contains(
                   QStringLiteral("%1%").arg(100.0 * double(report.confusion[0][0]) / double(c.support), 0,
                                             'f', 1)),
               qPrintable(tip));
    }

    // Misclassified gallery: every mistake, most confident first, thumbnails decoded.
    auto* model = page.misclassifiedGallery()->model();
    const auto misclassified = report.misclassified();
    QCOMPARE(sampleIndices(model), sampleIndices(misclassified));
    for (int row = 1; row < model->sampleCount(); ++row)
      QVERIFY(model->sample(row - 1).confidence >= model->sample(row).confidence);
    for (int row = 0; row < model->sampleCount(); ++row) {
      QVERIFY(model->sample(row).trueClass != model->sample(row).predictedClass);
      const QString caption = model->caption(row);
      QVERIFY2(caption.contains(QStringLiteral(" → ")) && caption.endsWith(QStringLiteral("%)")),
               qPrintable(caption));
    }
    QTRY_COMPARE_WITH_TIMEOUT(model->thumbnailCount(), model->rowCount(), 30000);
    qInfo("top-1 %.1f%%: %d of 48 validation images misclassified", report.top1 * 100.0, model->rowCount());
    QVERIFY(model->rowCount() > 0);  // two epochs on 96 images leave mistakes to show
    {
      const QImage thumbnail = model->data(model->index(0), Qt::DecorationRole).value<QImage>();
      QCOMPARE(thumbnail.size(),
               QSize(ft::ui::ThumbnailGalleryModel::kIconSize, ft::ui::ThumbnailGalleryModel::kIconSize));
    }
    QVERIFY(page.evaluationStatusText().contains(QStringLiteral("top-1")));
  }

  void clickingACellShowsExactlyItsImages() {
    ResultsPage page;
    page.resize(1200, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QVERIFY(showAndWait(page, m_runDir, m_epochs, m_finished));
    page.tabs()->setCurrentIndex(ResultsPage::MatrixTab);
    QApplication::processEvents();
    auto* matrix = page.confusionMatrix();
    const auto& report = page.evaluation();
    const int n = int(report.classNames.size());
    int clicked = 0;
    bool clickedEmpty = false;
    for (int t = 0; t < n; ++t) {
      for (int p = 0; p < n; ++p) {
        const auto count = report.confusion[std::size_t(t)][std::size_t(p)];
        if (count == 0 && clickedEmpty) continue;
        const QRect rect = matrix->cellRect(t, p);
        QVERIFY(!rect.isEmpty());
        QCOMPARE(matrix->cellAt(rect.center()), QPoint(p, t));
        QTest::mouseClick(matrix, Qt::LeftButton, {}, rect.center());
        QCOMPARE(matrix->selectedTrueClass(), t);
        QCOMPARE(matrix->selectedPredictedClass(), p);
        auto* model = page.cellGallery()->model();
        const auto expected = report.cell(t, p);
        QCOMPARE(model->sampleCount(), int(count));
        QCOMPARE(sampleIndices(model), sampleIndices(expected));
        for (int row = 0; row < model->sampleCount(); ++row) {
          QCOMPARE(model->sample(row).trueClass, t);
          QCOMPARE(model->sample(row).predictedClass, p);
          if (row > 0) QVERIFY(model->sample(row - 1).confidence >= model->sample(row).confidence);
        }
        QTRY_COMPARE_WITH_TIMEOUT(model->thumbnailCount(), model->rowCount(), 30000);
        const QString caption = page.cellGallery()->caption();
        QVERIFY2(caption.contains(QString::fromStdString(report.classNames[std::size_t(t)])),
                 qPrintable(caption));
        ++clicked;
        if (count == 0) clickedEmpty = true;
      }
    }
    qInfo("clicked %d cells", clicked);
    QVERIFY(clicked >= 2);
    // Outside the grid: nothing changes.
    const int before = matrix->selectedTrueClass();
    QTest::mouseClick(matrix, Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(matrix->selectedTrueClass(), before);
  }

  void perClassChartHasOneSetPerMetric() {
    ResultsPage page;
    QVERIFY(showAndWait(page, m_runDir, m_epochs, m_finished));
    const auto& report = page.evaluation();
    auto* view = page.classMetrics();
    const QList<QBarSet*> sets = view->barSeries()->barSets();
    QCOMPARE(sets.size(), 3);
    QCOMPARE(sets[0]->label(), QStringLiteral("Precision"));
    QCOMPARE(sets[1]->label(), QStringLiteral("Recall"));
    QCOMPARE(sets[2]->label(), QStringLiteral("F1"));
    for (QBarSet* set : sets) QCOMPARE(set->count(), int(report.classNames.size()));
    for (int i = 0; i < int(report.classes.size()); ++i) {
      QCOMPARE(sets[0]->at(i), report.classes[std::size_t(i)].precision * 100.0);
      QCOMPARE(sets[1]->at(i), report.classes[std::size_t(i)].recall * 100.0);
      QCOMPARE(sets[2]->at(i), report.classes[std::size_t(i)].f1 * 100.0);
    }
    const QString summary = view->summaryText();
    QVERIFY2(summary.contains(QStringLiteral("Top-1 accuracy %1%").arg(report.top1 * 100.0, 0, 'f', 2)),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("top-5 accuracy %1%").arg(report.top5 * 100.0, 0, 'f', 2)),
             qPrintable(summary));
    QVERIFY2(summary.contains(QStringLiteral("macro F1 %1").arg(report.macroF1, 0, 'f', 3)),
             qPrintable(summary));
    const auto confused = report.mostConfused(ft::ui::ClassMetricsView::kConfusedPairs);
    const QStringList pairs = view->confusedPairs();
    int expectedPairs = 0;
    for (const auto& c : confused) expectedPairs += c.count > 0 ? 1 : 0;
    QCOMPARE(int(pairs.size()), expectedPairs);
    if (!pairs.isEmpty()) {
      const auto& top = confused.front();
      QCOMPARE(pairs.front(),
               QStringLiteral("%1 mistaken for %2: %3")
                   .arg(QString::fromStdString(report.classNames[std::size_t(top.trueClass)]),
                        QString::fromStdString(report.classNames[std::size_t(top.predictedClass)]))
                   .arg(top.count));
      QVERIFY(summary.contains(pairs.front()));
    }
  }

  void lastCheckpointIsEvaluatedWhenChosen() {
    ResultsPage page;
    QVERIFY(showAndWait(page, m_runDir, m_epochs, m_finished));
    QSignalSpy done(&page, &ResultsPage::evaluationFinished);
    page.setSelectedCheckpoint(QStringLiteral("last"));
    QVERIFY(done.wait(60000));
    QCOMPARE(page.evaluationState(), State::Ready);
    QCOMPARE(page.evaluation().checkpoint, std::string("last"));
    QCOMPARE(page.evaluation().epoch, 2);
  }

  void evaluatesWithProgressWhenNoneIsStored() {
    const QString copy = unevaluatedCopy("unevaluated");
    QVERIFY(!ft::api::readEvaluation(copy.toStdString(), "best").has_value());
    ResultsPage page;
    QSignalSpy progress(&page, &ResultsPage::evaluationProgress);
    QSignalSpy done(&page, &ResultsPage::evaluationFinished);
    // The work is queued: the call's GUI-thread CPU fits the event loop's budget (CPU time, not
    // wall clock: waiting for a core on a busy machine is not work), and nothing is shown yet.
    const double cpuMs = ft::test::cpuMsOf([&] { page.showRun(copy, m_epochs, m_finished); });
    QVERIFY2(cpuMs < ft::test::kStallBudgetMs, qPrintable(QString::number(cpuMs)));
    QCOMPARE(page.evaluationState(), State::Loading);
    QVERIFY(done.wait(120000));
    QCOMPARE(page.evaluationState(), State::Ready);
    QVERIFY(progress.count() >= 1);  // 48 images in batches of 16
    QCOMPARE(progress.back().at(0).toLongLong(), 48);
    QCOMPARE(progress.back().at(1).toLongLong(), 48);
    QCOMPARE(page.evaluation().samples, std::int64_t(48));
    // evaluateRun stored it: the next visit reads it.
    QVERIFY(ft::api::readEvaluation(copy.toStdString(), "best").has_value());
    const auto stored = ft::api::readEvaluation(m_runDir.toStdString(), "best");
    QCOMPARE(page.evaluation().confusion, stored->confusion);
  }

  void evaluationCanBeCancelled() {
    const QString copy = unevaluatedCopy("cancelled");
    ResultsPage page;
    QSignalSpy done(&page, &ResultsPage::evaluationFinished);
    page.showRun(copy, m_epochs, m_finished);
    QCOMPARE(page.evaluationState(), State::Loading);
    page.cancelEvaluation();
    QVERIFY(done.wait(60000));
    QCOMPARE(page.evaluationState(), State::Cancelled);
    QCOMPARE(page.confusionMatrix()->classCount(), 0);
    QVERIFY(page.findChild<QPushButton*>(QStringLiteral("evaluateButton"))->isVisibleTo(&page));
    // Evaluate starts it again.
    page.evaluate();
    QVERIFY(done.wait(60000));
    QCOMPARE(page.evaluationState(), State::Ready);
    QCOMPARE(page.confusionMatrix()->classCount(), 10);
  }

  void evaluationErrorsAreShownVerbatim() {
    const fs::path bare = m_dir / "bare-evaluation";
    fs::create_directories(bare);
    fs::copy_file(fs::path(m_runDir.toStdString()) / "config.json", bare / "config.json");
    QString expected;
    try {
      ft::api::evaluateRun(bare.string(), "best");
    } catch (const ft::UserError& e) {
      expected = QString::fromStdString(e.what());
    }
    QVERIFY(!expected.isEmpty());
    ResultsPage page;
    QSignalSpy done(&page, &ResultsPage::evaluationFinished);
    page.showRun(QString::fromStdString(bare.string()), m_epochs, m_finished);
    QVERIFY(done.wait(60000));
    QCOMPARE(page.evaluationState(), State::Failed);
    QCOMPARE(page.evaluationStatusText(), expected);
  }

  void galleryLoadsLargeSetsInChunks() {
    // 1,000 entries (the 48 validation images over and over): rows arrive a chunk at a time and
    // the GUI thread only queues the decoding.
    std::vector<ft::api::SamplePrediction> samples(1000);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      samples[i].sampleIndex = i % 48;
      samples[i].confidence = 1.0f - float(i) / 1000.0f;
    }
    ft::ui::ThumbnailGalleryModel model;
    const double cpuMs = ft::test::cpuMsOf([&] { model.setSamples(m_runDir, {}, samples); });
    QVERIFY2(cpuMs < ft::test::kStallBudgetMs, qPrintable(QString::number(cpuMs)));  // decoding is queued
    QCOMPARE(model.sampleCount(), 1000);
    QCOMPARE(model.rowCount(), ft::ui::ThumbnailGalleryModel::kChunk);
    QVERIFY(model.canFetchMore({}));
    QTRY_COMPARE_WITH_TIMEOUT(model.thumbnailCount(), ft::ui::ThumbnailGalleryModel::kChunk, 30000);
    model.fetchMore({});
    QCOMPARE(model.rowCount(), 2 * ft::ui::ThumbnailGalleryModel::kChunk);
    QTRY_COMPARE_WITH_TIMEOUT(model.thumbnailCount(), 2 * ft::ui::ThumbnailGalleryModel::kChunk, 30000);
    while (model.canFetchMore({})) model.fetchMore({});
    QCOMPARE(model.rowCount(), 1000);
    QTRY_COMPARE_WITH_TIMEOUT(model.thumbnailCount(), 1000, 60000);
    QVERIFY(model.errorText().isEmpty());
  }

  void tryItShowsTopFiveForDroppedImages() {
    // Three validation images saved as PNG files, and a corrupt one.
    const auto thumbnails = ft::api::validationImages(m_runDir.toStdString(), {0, 1, 2});
    QCOMPARE(int(thumbnails.size()), 3);
    QList<QUrl> urls;
    QStringList files;
    for (int i = 0; i < 3; ++i) {
      const QString file = QString::fromStdString((m_dir / ("try-" + std::to_string(i) + ".png")).string());
      QVERIFY(ft::ui::toImage(thumbnails[std::size_t(i)]).save(file));
      files << file;
    }
    const QString broken = QString::fromStdString((m_dir / "broken.png").string());
    {
      std::ofstream out(broken.toStdString(), std::ios::binary);
      out << "\x89PNG\r\n\x1a\n this is not an image";
    }
    files << broken;
    for (const QString& f : files) urls << QUrl::fromLocalFile(f);

    ResultsPage page;
    QVERIFY(showAndWait(page, m_runDir, m_epochs, m_finished));
    auto* panel = page.tryItPanel();
    QMimeData mime;
    mime.setUrls(urls);
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(panel, &enter);
    QVERIFY(enter.isAccepted());
    QSignalSpy shown(panel, &ft::ui::TryItPanel::predictionsShown);
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(panel, &drop);
    QVERIFY(drop.isAccepted());
    QVERIFY(shown.wait(60000));

    const auto& results = panel->results();
    QCOMPARE(int(results.size()), 4);
    std::vector<std::string> paths;
    for (const QString& f : files) paths.push_back(f.toStdString());
    const auto direct = ft::api::predictWithRun(m_runDir.toStdString(), "best", paths, 5);
    for (int i = 0; i < 3; ++i) {
      const auto& r = results[std::size_t(i)];
      QVERIFY2(r.error.empty(), r.error.c_str());
      QCOMPARE(int(r.top.size()), 5);
      for (int k = 1; k < 5; ++k)
        QVERIFY(r.top[std::size_t(k - 1)].probability >= r.top[std::size_t(k)].probability);
      QCOMPARE(r.top[0].classIndex, direct[std::size_t(i)].top[0].classIndex);
    }
    QVERIFY(results[3].top.empty());
    QVERIFY(!results[3].error.empty());
    // Five probability bars per readable image, and the corrupt file's own error on screen.
    QCOMPARE(panel->findChildren<QProgressBar*>(QStringLiteral("probabilityBar")).size(), 15);
    const auto errors = panel->findChildren<QLabel*>(QStringLiteral("predictionError"));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.front()->text(), QString::fromStdString(results[3].error));
    QVERIFY2(panel->statusText().contains(QStringLiteral("1 could not be read")),
             qPrintable(panel->statusText()));
    QVERIFY(panel->resultTexts()[0].startsWith(QStringLiteral("try-0.png: ")));
  }

  void tryItShowsTheEnginesErrorVerbatim() {
    // A run folder without checkpoints: predictWithRun fails as a whole; its message is shown.
    const fs::path bare = m_dir / "bare-try";
    fs::create_directories(bare);
    fs::copy_file(fs::path(m_runDir.toStdString()) / "config.json", bare / "config.json");
    const std::string image = (m_dir / "try-0.png").string();
    QVERIFY(fs::exists(image));  // written by tryItShowsTopFiveForDroppedImages
    QString expected;
    try {
      ft::api::predictWithRun(bare.string(), "best", {image}, 5);
    } catch (const ft::UserError& e) {
      expected = QString::fromStdString(e.what());
    }
    QVERIFY(!expected.isEmpty());
    ft::ui::TryItPanel panel;
    panel.setRun(QString::fromStdString(bare.string()), QStringLiteral("best"));
    QSignalSpy shown(&panel, &ft::ui::TryItPanel::predictionsShown);
    panel.predictFiles({QString::fromStdString(image)});
    QVERIFY(panel.isBusy());
    QVERIFY(shown.wait(60000));
    QCOMPARE(panel.statusText(), expected);
    QVERIFY(panel.results().empty());
  }

  void exportWritesModelAndMetadata() {
    ResultsPage page;
    page.showRun(m_runDir, m_epochs, m_finished);
    QSignalSpy exportedSpy(&page, &ResultsPage::exported);
    for (const QString& which : {QStringLiteral("best"), QStringLiteral("last")}) {
      const QString path = page.defaultExportPath(which);
      QVERIFY2(exportAndWait(page, path, which), qPrintable(page.lastExportMessage()));
      QVERIFY(QFile::exists(path));
      const QString json = path.chopped(3) + QStringLiteral(".json");
      QVERIFY(QFile::exists(json));
      QFile metadata(json);
      QVERIFY(metadata.open(QIODevice::ReadOnly));
      QVERIFY(metadata.readAll().contains("resnet18"));
      QVERIFY2(page.lastExportMessage().contains(path), qPrintable(page.lastExportMessage()));
      QVERIFY(page.lastExportMessage().contains(QStringLiteral("ResNet-18")));
    }
    QCOMPARE(exportedSpy.count(), 2);
  }

  void exportRunsOffTheGuiThread() {
    ResultsPage page;
    page.showRun(m_runDir, m_epochs, m_finished);
    QSignalSpy finished(&page, &ResultsPage::exportFinished);
    const double cpuMs = ft::test::cpuMsOf(
        [&] { page.exportTo(page.defaultExportPath(QStringLiteral("best")), QStringLiteral("best")); });
    QVERIFY2(cpuMs < ft::test::kStallBudgetMs, qPrintable(QString::number(cpuMs)));  // on a worker
    QVERIFY(page.isExporting());
    QVERIFY(!page.findChild<QPushButton*>(QStringLiteral("exportButton"))->isEnabled());
    QCOMPARE(finished.count(), 0);
    QVERIFY(finished.wait(120000));
    QVERIFY(finished.front().front().toBool());
    QVERIFY(!page.isExporting());
    QVERIFY(page.findChild<QPushButton*>(QStringLiteral("exportButton"))->isEnabled());
  }

  void exportsTorchvisionSafetensorsAndOnnxByExtension() {
    ResultsPage page;
    page.showRun(m_runDir, m_epochs, m_finished);
    const QString base = QFileInfo(page.defaultExportPath(QStringLiteral("best"))).absolutePath();
    for (const QString& name :
         {QStringLiteral("model.pth"), QStringLiteral("model.safetensors"), QStringLiteral("model.onnx")}) {
      const QString path = base + QLatin1Char('/') + name;
      QVERIFY2(exportAndWait(page, path, QStringLiteral("best")), qPrintable(page.lastExportMessage()));
      QVERIFY(QFile::exists(path));
      // Every export is reloaded and compared with the checkpoint; the page shows the figure.
      QVERIFY2(page.lastExportMessage().contains(QStringLiteral("verified")),
               qPrintable(page.lastExportMessage()));
      QVERIFY(page.findChild<QLabel*>(QStringLiteral("exportMessage"))->text() == page.lastExportMessage());
    }
    QFile pth(base + QStringLiteral("/model.pth"));
    QVERIFY(pth.open(QIODevice::ReadOnly));
    QCOMPARE(pth.read(2), QByteArray("PK"));  // torch.save's zip format
    QFile safetensors(base + QStringLiteral("/model.safetensors"));
    QVERIFY(safetensors.open(QIODevice::ReadOnly));
    QVERIFY(safetensors.readAll().contains("conv1.weight"));
    // The ONNX file predicts like the run's checkpoint.
    const QString onnx = base + QStringLiteral("/model.onnx");
    QVERIFY(QFileInfo(onnx).size() > 1000000);  // ResNet-18's weights
    const std::string image = (m_dir / "try-0.png").string();
    if (fs::exists(image)) {
      const auto viaOnnx = ft::api::predictWithModel(onnx.toStdString(), {image}, 1);
      const auto viaRun = ft::api::predictWithRun(m_runDir.toStdString(), "best", {image}, 1);
      QCOMPARE(viaOnnx.front().top.front().classIndex, viaRun.front().top.front().classIndex);
    }
  }

  void exportErrorsAreShownVerbatim() {
    // A run folder whose checkpoints are gone: the engine's message, word for word.
    const fs::path bare = m_dir / "bare-run";
    fs::create_directories(bare / "exports");
    fs::copy_file(fs::path(m_runDir.toStdString()) / "config.json", bare / "config.json");
    const std::string target = (bare / "exports" / "model.pt").string();
    const QString expected = expectedExportError(bare.string(), "best", target);
    QVERIFY(expected.contains(QStringLiteral("missing")));

    ResultsPage page;
    page.showRun(QString::fromStdString(bare.string()), {}, FinishedEvent{});
    QVERIFY(!exportAndWait(page, QString::fromStdString(target), QStringLiteral("best")));
    QCOMPARE(page.lastExportMessage(), expected);
    QVERIFY(!fs::exists(target));

    // An export folder that does not exist.
    ResultsPage real;
    real.showRun(m_runDir, m_epochs, m_finished);
    const std::string nowhere = (m_dir / "no-such-folder" / "model.pt").string();
    QVERIFY(!exportAndWait(real, QString::fromStdString(nowhere), QStringLiteral("best")));
    QCOMPARE(real.lastExportMessage(), expectedExportError(m_runDir.toStdString(), "best", nowhere));

    // Nothing shown yet.
    ResultsPage empty;
    QVERIFY(!exportAndWait(empty, QString::fromStdString(target), QStringLiteral("best")));
    QVERIFY(!empty.lastExportMessage().isEmpty());
  }
};

QTEST_MAIN(ResultsTest)
#include "results_test.moc"
