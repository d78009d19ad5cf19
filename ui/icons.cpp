#include "icons.h"

#include <QFile>

// The resource lives in this static library: registered once before the first icon is made.
static void initStudioResources() { Q_INIT_RESOURCE(finetune); }

namespace ft::ui {
namespace {

void ensureResources() {
  static const bool once = (initStudioResources(), true);
  (void)once;
}

}  // namespace

QIcon applicationIcon() {
  ensureResources();
  QIcon icon;
  for (const int size : {16, 48, 256})
    icon.addFile(QStringLiteral(":/icons/finetune-studio-%1.png").arg(size), QSize(size, size));
  return icon;
}

QIcon actionIcon(const QString& name) {
  ensureResources();
  QIcon icon;
  icon.addFile(QStringLiteral(":/icons/actions/%1.png").arg(name), QSize(24, 24));
  icon.addFile(QStringLiteral(":/icons/actions/%1@2x.png").arg(name), QSize(48, 48));
  return icon;
}

}  // namespace ft::ui
