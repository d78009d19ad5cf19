// finetune-screenshots: drives the studio through every page on a small data set and saves
// each page, in English and in Simplified Chinese, as docs/screenshots/<page>-<lang>.png
// (--size 1366x768 --out docs/screenshots/1366x768: the small-screen set).
// Run it under a real X server (scripts/screenshots.sh uses xvfb-run) so fonts render as users
// see them. The dashboard is captured mid-training, after two (English) and three (Chinese)
// of four epochs, so the epoch charts have lines. The results page is captured on each of its
// tabs: summary, confusion matrix (with the most confused cell's images), per-class chart,
// misclassified gallery, and "try it" with a few validation images and one unreadable file.
#include <QApplication>
#include <QMessageBox>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThread>
#include <algorithm>
#include <cstdio>
#include <functional>

#include "dashboard_page.h"
#include "data_page.h"
#include "event_types.h"
#include "language.h"
#include "main_window.h"
#include "model_page.h"
#include "api/results_api.h"
#include "results_page.h"
#include "review_page.h"
#include "studio_wizard.h"
#include "thumbnail_gallery.h"
#include "try_it_panel.h"

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

  void save(const QString& page, const QString& language, QWidget* widget = nullptr) {
    settle();
    const QString path = QDir(m_out).filePath(QStringLiteral("%1-%2.png").arg(page, language));
    // Quality 0 = the strongest PNG compression: same pixels, smaller files for the docs.
    if (!(widget ? widget : static_cast<QWidget*>(&m_window))->grab().save(path, "PNG", 0)) {
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
  const QCommandLineOption trainOption(QStringLiteral("train-limit"), QStringLiteral("Training images"),
                                       QStringLiteral("N"), QStringLiteral("2000"));
  const QCommandLineOption validationOption(QStringLiteral("validation-limit"),
                                            QStringLiteral("Validation images"), QStringLiteral("N"),
                                            QStringLiteral("1000"));
  const QCommandLineOption sizeOption(QStringLiteral("size"),
                                      QStringLiteral("Window size, WIDTHxHEIGHT (a small screen: 1366x768)"),
                                      QStringLiteral("WxH"), QStringLiteral("1280x800"));
  parser.addOptions({outOption, dataOption, trainOption, validationOption, sizeOption});
  parser.process(app);
  const QStringList size = parser.value(sizeOption).split(QLatin1Char('x'));
  const int width = size.value(0).toInt(), height = size.size() == 2 ? size.value(1).toInt() : 0;
  if (width <= 0 || height <= 0) {
    std::fprintf(stderr, "finetune-screenshots: --size wants WIDTHxHEIGHT, e.g. 1366x768\n");
    return 2;
  }
  QDir().mkpath(parser.value(outOption));
  QTemporaryDir scratch(QDir::temp().filePath(QStringLiteral("FineTuneStudio-XXXXXX")));
  const QString runs = QDir(scratch.path()).filePath(QStringLiteral("runs"));

  ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish));
  ft::ui::MainWindow window;
  window.resize(width, height);
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
  if (!waitUntil([&] { return !wizard->reviewPage()->isMeasuring(); }, 5 * minute)) fail("the estimate");
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
  auto* results = wizard->resultsPage();
  if (!waitUntil([&] { return results->evaluationState() != ft::ui::ResultsPage::EvaluationState::Loading; },
                 10 * minute))
    fail("the evaluation");
  if (results->evaluationState() != ft::ui::ResultsPage::EvaluationState::Ready) {
    std::fprintf(stderr, "finetune-screenshots: evaluation failed: %s\n",
                 qPrintable(results->evaluationStatusText()));
    return 1;
  }
  capture.both(QStringLiteral("results"));

  const auto thumbnailsLoaded = [](ft::ui::ThumbnailGallery* gallery) {
    auto* model = gallery->model();
    return !model->isLoading() && model->thumbnailCount() >= model->rowCount();
  };
  results->tabs()->setCurrentIndex(ft::ui::ResultsPage::MatrixTab);
  if (!waitUntil([&] { return thumbnailsLoaded(results->cellGallery()); }, minute)) fail("the cell's images");
  capture.both(QStringLiteral("results-matrix"));

  results->tabs()->setCurrentIndex(ft::ui::ResultsPage::ClassesTab);
  capture.both(QStringLiteral("results-classes"));

  results->tabs()->setCurrentIndex(ft::ui::ResultsPage::MisclassifiedTab);
  if (!waitUntil([&] { return thumbnailsLoaded(results->misclassifiedGallery()); }, minute))
    fail("the misclassified images");
  capture.both(QStringLiteral("results-misclassified"));

  // "Try it": three validation images of different classes saved as files, and a broken file.
  results->tabs()->setCurrentIndex(ft::ui::ResultsPage::TryItTab);
  QStringList files;
  {
    const auto& report = results->evaluation();
    std::vector<std::size_t> picks;
    std::vector<int> classes;
    for (const auto& p : report.predictions) {
      if (std::find(classes.begin(), classes.end(), p.trueClass) != classes.end()) continue;
      classes.push_back(p.trueClass);
      picks.push_back(p.sampleIndex);
      if (picks.size() == 3) break;
    }
    const auto images = ft::api::validationImages(results->runDir().toStdString(), picks);
    for (std::size_t i = 0; i < images.size(); ++i) {
      const QString file = QDir(scratch.path()).filePath(QStringLiteral("image-%1.png").arg(i + 1));
      ft::ui::toImage(images[i]).save(file);
      files << file;
    }
    const QString broken = QDir(scratch.path()).filePath(QStringLiteral("broken.jpg"));
    QFile out(broken);
    if (out.open(QIODevice::WriteOnly)) out.write("not really a JPEG");
    files << broken;
  }
  bool predicted = false;
  QObject::connect(results->tryItPanel(), &ft::ui::TryItPanel::predictionsShown, &app,
                   [&predicted] { predicted = true; });
  results->tryItPanel()->predictFiles(files);
  if (!waitUntil([&] { return predicted; }, minute)) fail("the predictions");
  capture.both(QStringLiteral("results-tryit"));

  // Help > About, in both languages (the box as MainWindow::about shows it, without its event loop).
  for (const char* language : {ft::ui::kEnglish, ft::ui::kChinese}) {
    window.setLanguage(QString::fromLatin1(language));
    QMessageBox box(&window);
    box.setWindowTitle(QCoreApplication::translate("ft::ui::MainWindow", "About FineTune Studio"));
    box.setIconPixmap(window.windowIcon().pixmap(64, 64));
    box.setTextFormat(Qt::RichText);
    box.setText(window.aboutText());
    box.setStandardButtons(QMessageBox::Close);
    box.show();
    capture.save(QStringLiteral("about"), QString::fromLatin1(language), &box);
  }
  window.setLanguage(QString::fromLatin1(ft::ui::kEnglish));
  window.close();
  return 0;
}
