// finetune-screenshots: drives the studio through every page on a small data set and saves
// each page, in English and in Simplified Chinese, as docs/screenshots/<page>-<lang>.png.
// Run it under a real X server (scripts/screenshots.sh uses xvfb-run) so fonts render as users
// see them. The dashboard is captured mid-training, after two (English) and three (Chinese)
// of four epochs, so the epoch charts have lines.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QThread>
#include <cstdio>
#include <functional>

#include "dashboard_page.h"
#include "data_page.h"
#include "event_types.h"
#include "language.h"
#include "main_window.h"
#include "model_page.h"
#include "review_page.h"
#include "studio_wizard.h"

namespace {

using ft::ui::StudioWizard;

bool waitUntil(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (!done()) {
    if (timer.elapsed() > timeoutMs) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QThread::msleep(10);
  }
  return true;
}

void settle(int ms = 300) {
  waitUntil([] { return false; }, ms);
}

template <class Widget>
Widget* child(QWidget* root, const char* name) {
  auto* widget = root->findChild<Widget*>(QLatin1String(name));
  if (!widget) {
    std::fprintf(stderr, "finetune-screenshots: no widget named %s\n", name);
    std::exit(1);
  }
  return widget;
}

class Capture {
 public:
  Capture(ft::ui::MainWindow& window, QString outDir) : m_window(window), m_out(std::move(outDir)) {}

  void save(const QString& page, const QString& language) {
    settle();
    const QString path = QDir(m_out).filePath(QStringLiteral("%1-%2.png").arg(page, language));
    // Quality 0 = the strongest PNG compression: same pixels, smaller files for the docs.
    if (!m_window.grab().save(path, "PNG", 0)) {
      std::fprintf(stderr, "finetune-screenshots: cannot write %s\n", qPrintable(path));
      std::exit(1);
    }
    std::printf("%s\n", qPrintable(path));
    std::fflush(stdout);
  }

  // Captures the current page in English, then in Chinese, and returns to English.
  void both(const QString& page) {
    save(page, QStringLiteral("en"));
    m_window.setLanguage(QString::fromLatin1(ft::ui::kChinese));
    save(page, QStringLiteral("zh_CN"));
    m_window.setLanguage(QString::fromLatin1(ft::ui::kEnglish));
  }

 private:
  ft::ui::MainWindow& m_window;
  QString m_out;
};

void fail(const char* what) {
  std::fprintf(stderr, "finetune-screenshots: timed out waiting for %s\n", what);
  std::exit(1);
}

}  // namespace

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  // A settings file of its own: taking screenshots must not change the user's studio.
  QCoreApplication::setOrganizationName(QStringLiteral("FineTuneStudio"));
  QCoreApplication::setApplicationName(QStringLiteral("FineTune Studio Screenshots"));
  ft::ui::registerEventTypes();

  QCommandLineParser parser;
  parser.addHelpOption();
  const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("Output folder"),
                                     QStringLiteral("DIR"), QStringLiteral("docs/screenshots"));
  const QCommandLineOption dataOption(QStringLiteral("data"), QStringLiteral("Data set"),
                                      QStringLiteral("PATH"),
                                      QStringLiteral("/usr/share/datasets/fashion-mnist"));
  const QCommandLineOption trainOption(QStringLiteral("train-limit"),
                                       QStringLiteral("Training images"), QStringLiteral("N"),
                                       QStringLiteral("2000"));
  const QCommandLineOption validationOption(QStringLiteral("validation-limit"),
                                            QStringLiteral("Validation images"),
                                            QStringLiteral("N"), QStringLiteral("1000"));
  parser.addOptions({outOption, dataOption, trainOption, validationOption});
  parser.process(app);
  QDir().mkpath(parser.value(outOption));
  QTemporaryDir scratch(QDir::temp().filePath(QStringLiteral("FineTuneStudio-XXXXXX")));
  const QString runs = QDir(scratch.path()).filePath(QStringLiteral("runs"));

  ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish));
  ft::ui::MainWindow window;
  window.resize(1280, 800);
  window.show();
  Capture capture(window, parser.value(outOption));
  StudioWizard* wizard = window.wizard();
  const int minute = 60 * 1000;

  wizard->setDataPath(parser.value(dataOption));
  child<QSpinBox>(wizard, "trainLimit")->setValue(parser.value(trainOption).toInt());
  child<QSpinBox>(wizard, "validationLimit")->setValue(parser.value(validationOption).toInt());
  if (!waitUntil([&] { return wizard->canGoNext(); }, 5 * minute)) fail("the data preview");
  capture.both(QStringLiteral("data"));

  wizard->next();
  if (!waitUntil([&] { return !wizard->modelPage()->isDescribing(); }, minute)) fail("the model");
  capture.both(QStringLiteral("model"));

  wizard->next();
  capture.both(QStringLiteral("training"));
  child<QSpinBox>(wizard, "epochs")->setValue(4);
  child<QSpinBox>(wizard, "freezeEpochs")->setValue(1);

  child<QLineEdit>(wizard, "runsDir")->setText(runs);
  child<QLineEdit>(wizard, "runName")->setText(QStringLiteral("fashion-quick"));
  wizard->next();  // the review measures a few batches
  if (!waitUntil([&] { return !wizard->reviewPage()->isMeasuring(); }, 5 * minute))
    fail("the estimate");
  capture.both(QStringLiteral("review"));

  wizard->next();  // Start training
  auto* dashboard = wizard->dashboardPage();
  if (!waitUntil([&] { return wizard->epochs().size() >= 2; }, 30 * minute)) fail("two epochs");
  dashboard->flushNow();
  capture.save(QStringLiteral("dashboard"), QStringLiteral("en"));
  window.setLanguage(QString::fromLatin1(ft::ui::kChinese));
  if (!waitUntil([&] { return wizard->epochs().size() >= 3; }, 30 * minute)) fail("three epochs");
  dashboard->flushNow();
  capture.save(QStringLiteral("dashboard"), QStringLiteral("zh_CN"));
  window.setLanguage(QString::fromLatin1(ft::ui::kEnglish));

  if (!waitUntil([&] { return wizard->currentStep() == StudioWizard::ResultsStep; }, 30 * minute))
    fail("the results");
  capture.both(QStringLiteral("results"));
  window.close();
  return 0;
}
