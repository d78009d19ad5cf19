// ResultsPage: the per-epoch table and summary from a real (tiny) run, and export to .pt.
#include <QFile>
#include <QFileInfo>
#include <QTableWidget>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <string>

#include "api/studio_api.h"
#include "common/error.h"
#include "event_types.h"
#include "results_page.h"
#include "test_support.h"
#include "train/trainer.h"

namespace fs = std::filesystem;
using ft::train::EpochEvent;
using ft::train::FinishedEvent;
using ft::ui::ResultsPage;

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

}  // namespace

class ResultsTest final : public QObject {
  Q_OBJECT

 private:
  ft::test::TempDir m_dir{"ui-results"};
  QString m_runDir;
  QList<EpochEvent> m_epochs;
  FinishedEvent m_finished;

 private Q_SLOTS:
  void initTestCase() {
    ft::ui::registerEventTypes();
    ft::test::writeSyntheticIdx(m_dir / "data", 96, 48);
    ft::config::RunConfig c;
    c.data.path = (m_dir / "data").string();
    c.transform.inputSize = 32;
    c.train.epochs = 2;
    c.train.freezeEpochs = 1;
    c.train.batchSize = 32;
    c.train.evalBatchSize = 48;
    c.train.workers = 1;
    c.device.threads = 2;
    c.output.runsDir = (m_dir / "runs").string();
    c.output.name = "results";
    Collector collector;
    ft::train::Trainer trainer(c, &collector);
    m_finished = trainer.run();
    QCOMPARE(int(m_finished.status), int(ft::train::FinishStatus::Completed));
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
    QCOMPARE(table->item(1, ResultsPage::ValidationAccuracyColumn)->text(),
             QStringLiteral("%1%").arg(m_epochs[1].validationAccuracy, 0, 'f', 2));
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
    QVERIFY(page.summaryText().contains(
        QStringLiteral("%1%").arg(m_finished.bestValidationAccuracy, 0, 'f', 2)));
  }

  void exportWritesModelAndMetadata() {
    ResultsPage page;
    page.showRun(m_runDir, m_epochs, m_finished);
    QSignalSpy exportedSpy(&page, &ResultsPage::exported);
    for (const QString& which : {QStringLiteral("best"), QStringLiteral("last")}) {
      const QString path = page.defaultExportPath(which);
      QVERIFY2(page.exportTo(path, which), qPrintable(page.lastExportMessage()));
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

  void exportsTorchvisionAndSafetensorsByExtension() {
    ResultsPage page;
    page.showRun(m_runDir, m_epochs, m_finished);
    const QString base = QFileInfo(page.defaultExportPath(QStringLiteral("best"))).absolutePath();
    for (const QString& name : {QStringLiteral("model.pth"), QStringLiteral("model.safetensors")}) {
      const QString path = base + QLatin1Char('/') + name;
      QVERIFY2(page.exportTo(path, QStringLiteral("best")), qPrintable(page.lastExportMessage()));
      QVERIFY(QFile::exists(path));
    }
    QFile pth(base + QStringLiteral("/model.pth"));
    QVERIFY(pth.open(QIODevice::ReadOnly));
    QCOMPARE(pth.read(2), QByteArray("PK"));  // torch.save's zip format
    QFile safetensors(base + QStringLiteral("/model.safetensors"));
    QVERIFY(safetensors.open(QIODevice::ReadOnly));
    QVERIFY(safetensors.readAll().contains("conv1.weight"));
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
    QVERIFY(!page.exportTo(QString::fromStdString(target), QStringLiteral("best")));
    QCOMPARE(page.lastExportMessage(), expected);
    QVERIFY(!fs::exists(target));

    // An export folder that does not exist.
    ResultsPage real;
    real.showRun(m_runDir, m_epochs, m_finished);
    const std::string nowhere = (m_dir / "no-such-folder" / "model.pt").string();
    QVERIFY(!real.exportTo(QString::fromStdString(nowhere), QStringLiteral("best")));
    QCOMPARE(real.lastExportMessage(), expectedExportError(m_runDir.toStdString(), "best", nowhere));

    // Nothing shown yet.
    ResultsPage empty;
    QVERIFY(!empty.exportTo(QString::fromStdString(target), QStringLiteral("best")));
    QVERIFY(!empty.lastExportMessage().isEmpty());
  }
};

QTEST_MAIN(ResultsTest)
#include "results_test.moc"
