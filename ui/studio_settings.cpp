#include "studio_settings.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>

namespace ft::ui::settings {

QString builtInDataPath() { return QStringLiteral("/usr/share/datasets/fashion-mnist"); }

bool builtInDataInstalled() { return QFileInfo(builtInDataPath()).isDir(); }

bool isBuiltInData(const QString& path) { return QDir::cleanPath(path) == builtInDataPath(); }

QString defaultRunsDir() { return QDir(QDir::homePath()).filePath(QStringLiteral("FineTuneStudio/runs")); }

QString runsDir() { return QSettings().value(QStringLiteral("output/runsDir"), defaultRunsDir()).toString(); }

void setRunsDir(const QString& path) { QSettings().setValue(QStringLiteral("output/runsDir"), path); }

QString lastDataPath() { return QSettings().value(QStringLiteral("data/lastPath")).toString(); }

void setLastDataPath(const QString& path) { QSettings().setValue(QStringLiteral("data/lastPath"), path); }

QString lastFolder(const QString& kind) {
  return QSettings().value(QStringLiteral("folders/") + kind, QDir::homePath()).toString();
}

void rememberFolder(const QString& kind, const QString& fileOrFolder) {
  const QFileInfo info(fileOrFolder);
  QSettings().setValue(QStringLiteral("folders/") + kind,
                       info.isDir() ? info.absoluteFilePath() : info.absolutePath());
}

QString language() { return QSettings().value(QStringLiteral("ui/language")).toString(); }

void setLanguage(const QString& language) { QSettings().setValue(QStringLiteral("ui/language"), language); }

}  // namespace ft::ui::settings
