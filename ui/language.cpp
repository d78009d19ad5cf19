#include "language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>
#include <memory>

#include "studio_settings.h"

namespace ft::ui {
namespace {

struct Translators {
  std::unique_ptr<QTranslator> studio;
  std::unique_ptr<QTranslator> qt;
  QString language = QString::fromLatin1(kEnglish);
};

Translators& translators() {
  static Translators instance;
  return instance;
}

void remove(std::unique_ptr<QTranslator>& translator) {
  if (!translator) return;
  QCoreApplication::removeTranslator(translator.get());
  translator.reset();
}

}  // namespace

QString preferredLanguage() {
  const QString saved = settings::language();
  if (saved == QLatin1String(kEnglish) || saved == QLatin1String(kChinese)) return saved;
  return QLocale::system().name().startsWith(QLatin1String("zh")) ? QString::fromLatin1(kChinese)
                                                                  : QString::fromLatin1(kEnglish);
}

bool applyLanguage(const QString& language) {
  auto& t = translators();
  remove(t.studio);
  remove(t.qt);
  t.language = QString::fromLatin1(kEnglish);
  if (language != QLatin1String(kChinese)) {
    // Removing a translator already sends LanguageChange; nothing else to do for English.
    return language == QLatin1String(kEnglish);
  }
  auto studio = std::make_unique<QTranslator>();
  if (!studio->load(QStringLiteral(":/i18n/finetune_studio_zh_CN.qm"))) return false;
  // Qt's own strings (Yes/No, Cancel, file dialogs) when the Qt translations are installed.
  auto qt = std::make_unique<QTranslator>();
  if (qt->load(QStringLiteral("qtbase_zh_CN"), QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
    QCoreApplication::installTranslator(qt.get());
    t.qt = std::move(qt);
  }
  QCoreApplication::installTranslator(studio.get());
  t.studio = std::move(studio);
  t.language = QString::fromLatin1(kChinese);
  return true;
}

QString currentLanguage() { return translators().language; }

}  // namespace ft::ui
