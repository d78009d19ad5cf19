// finetune-studio: the desktop wizard. Everything lives in finetune_ui; this only sets up the
// application (identity for QSettings, event types, language) and shows the window. The GUI
// benchmark (bench/gui_overhead.py) drives the same window from bench/studio_bench.cpp.
#include <csignal>

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

#include "api/training_api.h"
#include "event_types.h"
#include "language.h"
#include "main_window.h"
#include "studio_wizard.h"

int main(int argc, char* argv[]) {
  std::signal(SIGXFSZ, SIG_IGN);  // a file-size limit: write errors the studio reports, not a kill
  QApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("FineTuneStudio"));
  QCoreApplication::setApplicationName(QStringLiteral("FineTune Studio"));
  QCoreApplication::setApplicationVersion(QStringLiteral(FINETUNE_VERSION));
  // Every core, and denormals flushed on this thread and LibTorch's pool (issue 12); each run
  // sets its own device.flush_denormals on the thread that trains it.
  ft::api::applyThreadCount(0);
  ft::api::applyFloatEnvironment(true);
  ft::ui::registerEventTypes();
  ft::ui::applyLanguage(ft::ui::preferredLanguage());

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QCoreApplication::translate("main", "Fine-tune a pretrained image classifier."));
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption data(QStringLiteral("data"),
                                QCoreApplication::translate("main", "Preselect the data set in PATH."),
                                QStringLiteral("PATH"));
  parser.addOption(data);
  parser.process(app);

  ft::ui::MainWindow window;
  if (parser.isSet(data)) window.wizard()->setDataPath(QFileInfo(parser.value(data)).absoluteFilePath());
  window.show();
  return app.exec();
}
