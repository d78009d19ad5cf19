#pragma once
// The studio speaks English (the source strings) or Simplified Chinese (the embedded
// :/i18n/finetune_studio_zh_CN.qm, plus Qt's own qtbase_zh_CN.qm for standard dialogs).
// Switching installs or removes the translators; every widget then gets a LanguageChange event.
#include <QString>

namespace ft::ui {

inline const char* const kEnglish = "en";
inline const char* const kChinese = "zh_CN";

// The saved choice, else the system locale ("zh..." -> zh_CN, anything else -> en).
QString preferredLanguage();
// Installs the translators for `language` ("en" or "zh_CN") on the application. Returns false
// (and stays in English) if the studio's translation cannot be loaded.
bool applyLanguage(const QString& language);
QString currentLanguage();

}  // namespace ft::ui
