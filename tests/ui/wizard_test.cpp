// The studio wizard end to end (offscreen): a tiny generated data set, the preview, a 2-epoch
// run with one frozen epoch, the live charts, the results and an export that the engine loads
// back; plus device listing, a bad data path, configuration round trip and the translation.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QTimer>
#include <QLocale>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "dashboard_page.h"
#include "data_page.h"
#include "event_types.h"
#include "language.h"
#include "main_window.h"
#include "model_page.h"
#include "results_page.h"
#include "review_page.h"
#include "studio_wizard.h"
#include "test_support.h"
#include "training_controller.h"

using ft::ui::StudioWizard;

namespace {

template <class Widget>
Widget* child(QWidget* root, const char* name) {
  auto* widget = root->findChild<Widget*>(QLatin1String(name));
  if (!widget) qFatal("no widget named %s", name);
  return widget;
}

QString path(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

class WizardTest final : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // settings go to ~/.qttest, not the user's
    QCoreApplication::setOrganizationName(QStringLiteral("FineTuneStudio"));
    QCoreApplication::setApplicationName(QStringLiteral("FineTune Studio Test"));
    QSettings().clear();
    ft::ui::registerEventTypes();
    ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish));
    ft::test::writeSyntheticIdx(m_data.path(), 256, 64);
  }

  void deviceListHoldsTheCpu() {
    StudioWizard wizard;
    auto* devices = child<QComboBox>(&wizard, "device");
    QVERIFY(devices->count() >= 1);
    QCOMPARE(devices->itemData(0).toString(), QStringLiteral("cpu"));
    QCOMPARE(child<QSpinBox>(&wizard, "threads")->value(), ft::train::machineCores());
  }

  void badDataPathShowsItsErrorAndRecovers() {
    StudioWizard wizard;
    wizard.show();
    auto* dataPath = child<QLineEdit>(&wizard, "dataPath");
    dataPath->setText(path(m_data / "does-not-exist"));
    QTRY_VERIFY_WITH_TIMEOUT(!wizard.dataPage()->isScanning(), 30000);
    QVERIFY(!wizard.canGoNext());
    QVERIFY(!wizard.dataPage()->errorText().isEmpty());
    const QString status = child<QLabel>(&wizard, "dataStatus")->text();
    QVERIFY2(status.contains(wizard.dataPage()->errorText()), qPrintable(status));
    wizard.next();  // ignored: Next is disabled
    QCOMPARE(wizard.currentStep(), StudioWizard::DataStep);

    dataPath->setText(path(m_data.path()));
    QTRY_VERIFY_WITH_TIMEOUT(wizard.canGoNext(), 30000);
    QVERIFY(wizard.dataPage()->errorText().isEmpty());
    QCOMPARE(child<QTableWidget>(&wizard, "classTable")->rowCount(), 10);
    QVERIFY(child<QListWidget>(&wizard, "sampleGrid")->count() > 0);
  }

  void configurationFillsEveryField() {
    ft::config::RunConfig config;
    config.data.path = path(m_data.path()).toStdString();
    config.data.validation = "split";
    config.data.validationPercent = 20;
    config.data.trainLimit = 100;
    config.data.verifyImages = true;
    config.transform.inputSize = 48;
    config.transform.cropPadding = 2;
    config.transform.horizontalFlip = false;
    config.transform.normalization = "dataset";
    config.transform.preprocessing = "weights";
    config.model.architecture = "resnet34";
    config.model.weights = "imagenet";
    config.optim.optimizer = "sgd";
    config.optim.headLr = 0.02;
    config.optim.nesterov = true;
    config.optim.scheduler = "cosine";
    config.optim.warmupEpochs = 2;
    config.optim.minLr = 1e-6;
    config.train.epochs = 7;
    config.train.freezeEpochs = 3;
    config.train.freezeBatchNorm = true;
    config.train.featureCache = true;
    config.train.recalibrateBatchNorm = 300;  // not in the list: it joins it
    config.train.precision = "float32";
    config.train.validationPrecision = "float32";
    config.train.batchSize = 16;
    config.train.seed = 7;
    config.train.prefetch = 9;  // no widget: must survive the wizard
    config.device.threads = 1;
    config.output.runsDir = path(m_data / "runs").toStdString();
    config.output.name = "round-trip";
    StudioWizard wizard;
    wizard.setConfig(config);
    QCOMPARE(child<QSpinBox>(&wizard, "epochs")->value(), 7);
    QCOMPARE(child<QComboBox>(&wizard, "optimizer")->currentData().toString(), QStringLiteral("sgd"));
    QVERIFY(child<QCheckBox>(&wizard, "holdBatchNorm")->isChecked());
    QVERIFY(child<QCheckBox>(&wizard, "featureCache")->isChecked());
    QVERIFY(child<QCheckBox>(&wizard, "featureCache")->isEnabled());
    QVERIFY(child<QCheckBox>(&wizard, "dataVerifyImages")->isChecked());
    QCOMPARE(child<QComboBox>(&wizard, "precision")->currentData().toString(), QStringLiteral("float32"));
    QVERIFY(child<QCheckBox>(&wizard, "validateFloat32")->isChecked());
    QCOMPARE(child<QComboBox>(&wizard, "recalibrateBatchNorm")->currentData().toInt(), 300);
    QVERIFY(child<QComboBox>(&wizard, "recalibrateBatchNorm")->currentText().contains(QLatin1String("300")));
    QVERIFY(child<QRadioButton>(&wizard, "weightsImageNet")->isChecked());
    QCOMPARE(child<QComboBox>(&wizard, "preprocessing")->currentData().toString(), QStringLiteral("weights"));
    QCOMPARE(QString::fromStdString(ft::config::toJson(wizard.currentConfig()).dump(1)),
             QString::fromStdString(ft::config::toJson(config).dump(1)));
    // The cache needs BatchNorm held: releasing BatchNorm turns the cache off, never an invalid
    // configuration.
    child<QCheckBox>(&wizard, "holdBatchNorm")->setChecked(false);
    QVERIFY(!child<QCheckBox>(&wizard, "featureCache")->isChecked());
    QVERIFY(!child<QCheckBox>(&wizard, "featureCache")->isEnabled());
    QVERIFY(!wizard.currentConfig().train.featureCache);
    ft::config::validate(wizard.currentConfig());
  }

  void trainsEndToEnd() {
    ft::test::TempDir runs("wizard-runs");
    StudioWizard wizard;
    wizard.show();
    wizard.setDataPath(path(m_data.path()));
    QTRY_VERIFY_WITH_TIMEOUT(wizard.canGoNext(), 60000);
    wizard.next();
    QCOMPARE(wizard.currentStep(), StudioWizard::ModelStep);
    child<QSpinBox>(&wizard, "inputSize")->setValue(32);
    // Resized as the ImageNet weights were trained: at 32 px, shorter side 37 then a crop.
    auto* preprocessing = child<QComboBox>(&wizard, "preprocessing");
    preprocessing->setCurrentIndex(preprocessing->findData(QStringLiteral("weights")));
    QTRY_VERIFY_WITH_TIMEOUT(!wizard.modelPage()->isDescribing(), 60000);
    // torchvision's resnet18 with a 10-class head.
    QVERIFY(child<QLabel>(&wizard, "parameterCounts")->text().contains(QLocale().toString(11181642)));
    wizard.next();
    QCOMPARE(wizard.currentStep(), StudioWizard::TrainingStep);
    child<QSpinBox>(&wizard, "epochs")->setValue(2);
    child<QSpinBox>(&wizard, "freezeEpochs")->setValue(1);
    child<QSpinBox>(&wizard, "batchSize")->setValue(32);
    child<QSpinBox>(&wizard, "threads")->setValue(2);
    child<QLineEdit>(&wizard, "runsDir")->setText(path(runs.path()));
    wizard.next();
    QCOMPARE(wizard.currentStep(), StudioWizard::ReviewStep);
    QVERIFY(wizard.canGoNext());
    QVERIFY2(child<QLabel>(&wizard, "configSummary")
                 ->text()
                 .contains(QStringLiteral("shorter side resized to 37 px")),
             qPrintable(child<QLabel>(&wizard, "configSummary")->text()));
    QTRY_VERIFY_WITH_TIMEOUT(!wizard.reviewPage()->isMeasuring(), 120000);
    QVERIFY2(wizard.reviewPage()->estimateText().contains(
                 QStringLiteral("%1 real batches").arg(ft::ui::ReviewPage::kEstimateBatches)),
             qPrintable(wizard.reviewPage()->estimateText()));

    int iterations = 0;
    connect(wizard.controller(), &ft::ui::TrainingController::iteration, this,
            [&iterations] { ++iterations; });
    QSignalSpy finished(&wizard, &StudioWizard::trainingFinished);
    wizard.next();  // Start training
    QCOMPARE(wizard.currentStep(), StudioWizard::DashboardStep);
    QVERIFY(wizard.isTraining());
    QVERIFY(!wizard.canGoNext());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
    const auto event = finished.first().first().value<ft::run::FinishedEvent>();
    QVERIFY2(event.status == ft::run::FinishStatus::Completed, event.message.c_str());
    QCOMPARE(event.epochsCompleted, 2);

    auto* dashboard = wizard.dashboardPage();
    dashboard->flushNow();
    QCOMPARE(iterations, 2 * (256 / 32));
    QCOMPARE(dashboard->iterationPointCount(), iterations);
    QCOMPARE(dashboard->accuracyPointCount(), 2);
    QCOMPARE(dashboard->unfreezeMarkerEpoch(), 1.0);
    QCOMPARE(wizard.epochs().size(), 2);

    QCOMPARE(wizard.currentStep(), StudioWizard::ResultsStep);
    auto* results = wizard.resultsPage();
    const QString exported = QDir(path(runs.path())).filePath(QStringLiteral("model.pt"));
    QSignalSpy exportFinished(results, &ft::ui::ResultsPage::exportFinished);
    results->exportTo(exported, QStringLiteral("best"));  // on a worker thread
    QVERIFY(exportFinished.wait(120000));
    QVERIFY2(exportFinished.front().front().toBool(), qPrintable(results->lastExportMessage()));
    QVERIFY(QFile::exists(exported));
    QFile metadata(QDir(path(runs.path())).filePath(QStringLiteral("model.json")));
    QVERIFY(metadata.open(QIODevice::ReadOnly));
    const auto json = QJsonDocument::fromJson(metadata.readAll()).object();
    QCOMPARE(json.value(QStringLiteral("class_names")).toArray().size(), 10);

    // The engine starts a new run from the export (upstream -> downstream).
    const auto rerun = ft::test::runCommand(ft::test::cliPath() + " train --data " + m_data.path().string() +
                                            " --weights " + exported.toStdString() +
                                            " --epochs 1 --freeze-epochs 1 --batch-size 32 --train-limit 64"
                                            " --validation-limit 32 --input-size 32 --threads 2 --runs-dir " +
                                            (runs.path() / "rerun").string());
    QVERIFY2(rerun.exitCode == 0, rerun.output.c_str());

    wizard.next();  // New run: back to the first page, configuration kept
    QCOMPARE(wizard.currentStep(), StudioWizard::DataStep);
    QCOMPARE(wizard.currentConfig().train.epochs, 2);
  }

  void closingDuringTrainingAsksAndStopsCleanly() {
    ft::test::TempDir runs("wizard-close");
    ft::ui::MainWindow window;
    window.show();
    StudioWizard* wizard = window.wizard();
    wizard->setDataPath(path(m_data.path()));
    child<QSpinBox>(wizard, "epochs")->setValue(20);
    child<QSpinBox>(wizard, "freezeEpochs")->setValue(1);
    child<QSpinBox>(wizard, "batchSize")->setValue(32);
    child<QSpinBox>(wizard, "threads")->setValue(2);
    child<QLineEdit>(wizard, "runsDir")->setText(path(runs.path()));
    QTRY_VERIFY_WITH_TIMEOUT(wizard->canGoNext(), 60000);
    wizard->goToStep(StudioWizard::ReviewStep);
    QVERIFY(wizard->canGoNext());
    QSignalSpy started(wizard, &StudioWizard::trainingStarted);
    QSignalSpy finished(wizard, &StudioWizard::trainingFinished);
    wizard->next();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(wizard->dashboardPage()->iterationPointCount() > 0, 60000);

    QTimer answerYes;  // the close asks first; answer as a user would
    connect(&answerYes, &QTimer::timeout, this, [] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget()))
        box->button(QMessageBox::Yes)->click();
    });
    answerYes.start(50);
    window.close();
    answerYes.stop();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    const auto event = finished.first().first().value<ft::run::FinishedEvent>();
    QVERIFY2(event.status == ft::run::FinishStatus::Stopped, event.message.c_str());
    QTRY_VERIFY(!window.isVisible());  // closed once the training had stopped
    const auto history = ft::api::readRunHistory(event.runDir);
    QVERIFY(history.resumable);  // the checkpoint is kept
  }

  void chineseTranslationIsLoadedAndApplied() {
    StudioWizard wizard;
    auto* next = child<QPushButton>(&wizard, "nextButton");
    QCOMPARE(next->text(), QStringLiteral("Next"));
    QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kChinese)));
    QTRY_COMPARE(next->text(), QStringLiteral("下一步"));  // LanguageChange is posted
    // Rows that are widgets of their own follow too.
    QCOMPARE(child<QPushButton>(&wizard, "exportButton")->text(), QStringLiteral("导出模型…"));
    QCOMPARE(child<QPushButton>(&wizard, "downloadWeights")->text(), QStringLiteral("立即下载"));
    QCOMPARE(QCoreApplication::translate("ft::ui::TrainingPage", "Epochs:"), QStringLiteral("训练轮数："));
    QCOMPARE(QCoreApplication::translate("ft::ui::MainWindow", "&File"), QStringLiteral("文件(&F)"));
    QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish)));
    QTRY_COMPARE(next->text(), QStringLiteral("Next"));
  }

  // Help > About and the icons (issue 15): the versions and the machine, the window icon and the
  // action glyphs from the resources.
  void aboutNamesTheVersionsAndTheIconsAreLoaded() {
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    ft::ui::MainWindow window;
    const QString about = window.aboutText();
    for (const QString& expected :
         {QStringLiteral("FineTune Studio 0.1.0"), QStringLiteral("GPL-3.0-or-later"),
          QStringLiteral("LibTorch"), QStringLiteral("1.13"), QString::fromLatin1(qVersion()),
          QStringLiteral("OpenCV"), QStringLiteral("4.6"), QStringLiteral("CUDA devices")})
      QVERIFY2(about.contains(expected), qPrintable(expected + QStringLiteral(" missing from: ") + about));
    QVERIFY(!window.windowIcon().isNull());
    QCOMPARE(window.windowIcon().availableSizes().size(), 3);
    QVERIFY(!window.windowIcon().pixmap(48, 48).isNull());
    for (const char* name :
         {"stopButton", "pauseButton", "exportButton", "evaluateButton", "openImagesButton"}) {
      auto* button = child<QPushButton>(window.wizard(), name);
      QVERIFY2(!button->icon().isNull() && !button->icon().pixmap(24, 24).isNull(), name);
    }
    QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kChinese)));
    QVERIFY(window.aboutText().contains(QStringLiteral("许可证")));
    QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish)));
  }

  // Every page fits a 1280x720 screen (issue 11): the window can be made that small, and then
  // Back and Next are inside it, in both languages.
  void everyPageFitsA1280x720Screen() {
    ft::ui::MainWindow window;
    window.resize(1280, 720);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    StudioWizard* wizard = window.wizard();
    for (const char* language : {ft::ui::kEnglish, ft::ui::kChinese}) {
      QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(language)));
      QCoreApplication::processEvents();  // LanguageChange is posted
      for (int step = StudioWizard::DataStep; step < StudioWizard::StepCount; ++step) {
        wizard->goToStep(StudioWizard::Step(step));
        QCoreApplication::processEvents();
        const QSize minimum = window.minimumSizeHint();
        const QString where = QStringLiteral("%1, step %2: minimum %3x%4")
                                  .arg(QLatin1String(language))
                                  .arg(step + 1)
                                  .arg(minimum.width())
                                  .arg(minimum.height());
        qInfo("%s", qPrintable(where));
        QVERIFY2(minimum.width() <= 1280 && minimum.height() <= 720, qPrintable(where));
        QCOMPARE(window.size(), QSize(1280, 720));
        for (const char* name : {"backButton", "nextButton"}) {
          auto* button = child<QPushButton>(&window, name);
          const QRect rect(button->mapTo(&window, QPoint(0, 0)), button->size());
          QVERIFY2(button->isVisible() && window.rect().contains(rect),
                   qPrintable(where + QLatin1String(name)));
        }
      }
    }
    QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish)));
  }

  // The step list: a step already reached is a link back to it; one not reached yet is not.
  void clickingAReachedStepGoesThere() {
    StudioWizard wizard;
    wizard.show();
    QVERIFY(QTest::qWaitForWindowExposed(&wizard));
    const auto click = [&wizard](StudioWizard::Step step) {
      QListWidget* list = wizard.stepList();
      QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                        list->visualItemRect(list->item(step)).center());
    };
    wizard.setDataPath(path(m_data.path()));
    QTRY_VERIFY_WITH_TIMEOUT(wizard.canGoNext(), 60000);
    QVERIFY(!wizard.canVisitStep(StudioWizard::ModelStep));  // not reached yet
    click(StudioWizard::ModelStep);
    QCOMPARE(wizard.currentStep(), StudioWizard::DataStep);

    wizard.next();
    wizard.next();
    QCOMPARE(wizard.currentStep(), StudioWizard::TrainingStep);
    child<QSpinBox>(&wizard, "epochs")->setValue(9);
    click(StudioWizard::ReviewStep);  // a future step: nothing happens
    QCOMPARE(wizard.currentStep(), StudioWizard::TrainingStep);
    click(StudioWizard::DashboardStep);
    QCOMPARE(wizard.currentStep(), StudioWizard::TrainingStep);
    QVERIFY(!(wizard.stepList()->item(StudioWizard::ReviewStep)->flags() & Qt::ItemIsEnabled));

    click(StudioWizard::DataStep);  // completed: goes there, keeping what was chosen
    QCOMPARE(wizard.currentStep(), StudioWizard::DataStep);
    QCOMPARE(wizard.currentConfig().train.epochs, 9);
    QVERIFY(wizard.stepList()->item(StudioWizard::TrainingStep)->flags() & Qt::ItemIsEnabled);
    click(StudioWizard::TrainingStep);  // reached before, and every page up to it is complete
    QCOMPARE(wizard.currentStep(), StudioWizard::TrainingStep);
    click(StudioWizard::ModelStep);
    QCOMPARE(wizard.currentStep(), StudioWizard::ModelStep);
    QVERIFY(!wizard.canVisitStep(StudioWizard::ReviewStep));  // still never reached
    QVERIFY(!wizard.canVisitStep(StudioWizard::ResultsStep));
  }

  // The review page says when the estimate was measured on a busy machine, in both languages.
  void reviewSaysWhenTheMachineWasBusy() {
    ft::ui::ReviewPage page;
    ft::api::EpochEstimate estimate;
    estimate.frozenSecondsPerEpoch = 12.0;
    estimate.unfrozenSecondsPerEpoch = 30.0;
    estimate.totalSeconds = 72.0;
    estimate.batchesMeasured = ft::ui::ReviewPage::kEstimateBatches;
    estimate.busyCores = 1.5;
    estimate.machineBusy = true;
    page.showMeasuredEstimate(estimate);
    QVERIFY2(page.busyNoteText().contains(QStringLiteral("about 1.5 cores busy")) &&
                 page.busyNoteText().contains(QStringLiteral("may be faster")),
             qPrintable(page.busyNoteText()));
    QVERIFY(page.estimateText().contains(QStringLiteral("5 real batches")));
    QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kChinese)));
    QTRY_VERIFY2(page.busyNoteText().contains(QStringLiteral("1.5")) &&
                     !page.busyNoteText().contains(QStringLiteral("busy")),
                 qPrintable(page.busyNoteText()));
    QVERIFY(ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish)));
    QTRY_VERIFY(page.busyNoteText().contains(QStringLiteral("busy")));

    estimate.busyCores = 0.2;
    estimate.machineBusy = false;
    page.showMeasuredEstimate(estimate);
    QVERIFY(page.busyNoteText().isEmpty());
  }

  void translationFileIsComplete() {
    QFile ts(QStringLiteral(FT_SOURCE_DIR "/translations/finetune_studio_zh_CN.ts"));
    QVERIFY(ts.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(ts.readAll());
    QVERIFY(text.count(QStringLiteral("<message")) > 150);
    QCOMPARE(text.count(QStringLiteral("type=\"unfinished\"")), 0);
    QCOMPARE(text.count(QStringLiteral("type=\"obsolete\"")), 0);
  }

 private:
  ft::test::TempDir m_data{"wizard-data"};
};

QTEST_MAIN(WizardTest)
#include "wizard_test.moc"
