// finetune-studio: the desktop wizard. Everything lives in finetune_ui; this only sets up the
// application (identity for QSettings, event types, language) and shows the window. The GUI
// benchmark (bench/gui_overhead.py) drives the same window from bench/studio_bench.cpp.
#include <csignal>
#include <cstdio>
#include <string>

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>

#include "api/about_api.h"
#include "api/training_api.h"
#include "event_types.h"
#include "icons.h"
#include "language.h"
#include "main_window.h"
#include "studio_wizard.h"

int main(int argc, char* argv[]) {
  std::signal(SIGXFSZ, SIG_IGN);  // a file-size limit: write errors the studio reports, not a kill
  // --help and --version print and exit: they need no display (over ssh, in a package test).
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "-h" || arg == "--help" || arg == "--help-all" || arg == "-v" || arg == "--version") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
      qputenv("QT_QPA_PLATFORM", "offscreen");
  }
  QApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("FineTuneStudio"));
  QCoreApplication::setApplicationName(QStringLiteral("FineTune Studio"));
  QCoreApplication::setApplicationVersion(QStringLiteral(FINETUNE_VERSION));
  QApplication::setWindowIcon(ft::ui::applicationIcon());                  // every window and dialog
  QGuiApplication::setDesktopFileName(QStringLiteral("finetune-studio"));  // packaging/*.desktop
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
  // --version: the build and the machine, as finetune-cli --version, and Qt's version.
  const QCommandLineOption version(QStringList{QStringLiteral("v"), QStringLiteral("version")},
                                   QCoreApplication::translate("main", "Displays version information."));
  parser.addOption(version);
  const QCommandLineOption data(QStringLiteral("data"),
                                QCoreApplication::translate("main", "Preselect the data set in PATH."),
                                QStringLiteral("PATH"));
  parser.addOption(data);
  parser.process(app);
  if (parser.isSet(version)) {
    const std::string text = ft::api::versionText(ft::api::buildInfo(), ft::api::machineInfo());
    std::fputs(text.c_str(), stdout);
    std::printf("Qt %s\n", qVersion());
    return 0;
  }

  ft::ui::MainWindow window;
  if (parser.isSet(data)) window.wizard()->setDataPath(QFileInfo(parser.value(data)).absoluteFilePath());
  window.show();
  return app.exec();
}
