#pragma once
// One page of the studio wizard. A page edits part of the RunConfig: load() fills its fields
// from a configuration, store() writes them back; fields it does not show stay untouched, so
// a loaded configuration survives the wizard whole.
#include <QWidget>

#include "config/run_config.h"

class QFormLayout;

namespace ft::ui {

// Form rows whose label text is set later, in retranslateUi(). (QFormLayout::addRow with an
// empty string makes no label at all, so the text could never be set.)
void addFormRow(QFormLayout* form, QWidget* field);
void setFormLabel(QFormLayout* form, QWidget* field, const QString& text);

class WizardStep : public QWidget {
  Q_OBJECT
 public:
  using QWidget::QWidget;

  virtual QString title() const = 0;                // translated, for the step list
  virtual bool isComplete() const { return true; }  // Next is enabled only when true
  virtual void load(const config::RunConfig&) {}
  virtual void store(config::RunConfig&) const {}
  // The page becomes visible; `config` holds every earlier page's choices.
  virtual void enter(const config::RunConfig&) {}

 Q_SIGNALS:
  void completeChanged();

 protected:
  virtual void retranslateUi() = 0;
  void changeEvent(QEvent* event) override;
};

}  // namespace ft::ui
