#pragma once
// The studio's icons, from resources/finetune.qrc (:/icons/...).
#include <QIcon>
#include <QString>

namespace ft::ui {

// The application icon (16, 48 and 256 px), for the windows and the About box.
QIcon applicationIcon();
// An action's glyph: `name` is a file of resources/icons/actions without ".png" ("open-run",
// "stop", ...), at 24 px and @2x.
QIcon actionIcon(const QString& name);

}  // namespace ft::ui
