#pragma once
// What the studio remembers between sessions (QSettings "FineTuneStudio"/"FineTune Studio"),
// and where things go by default.
#include <QString>

namespace ft::ui::settings {

// The Fashion-MNIST copy installed with the studio's data package.
QString builtInDataPath();
bool builtInDataInstalled();
bool isBuiltInData(const QString& path);

// Runs go to ~/FineTuneStudio/runs unless the user picked another folder.
QString defaultRunsDir();
QString runsDir();
void setRunsDir(const QString& path);

QString lastDataPath();  // empty if never chosen
void setLastDataPath(const QString& path);

// The folder a file dialog of a kind ("data", "weights", "config", "run", "export") opened last.
QString lastFolder(const QString& kind);
void rememberFolder(const QString& kind, const QString& fileOrFolder);

QString language();  // "en", "zh_CN", or empty = follow the system
void setLanguage(const QString& language);

}  // namespace ft::ui::settings
