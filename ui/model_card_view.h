#pragma once
// The model page's card of the chosen architecture (year, paper, what it introduced, size,
// cost, ImageNet accuracy of its weights) and the "History of pretrained models" timeline.
// The facts come from the engine's one table (api::modelCards); their English text is
// translated here (ui/model_card_text.cpp lists it for lupdate).
#include <QDialog>
#include <QString>
#include <QWidget>

class QLabel;
class QPushButton;
class QTextBrowser;

namespace ft::ui {

// The engine's English card and history text in the current language (itself when untranslated).
QString translatedModelText(const std::string& english);
// Every English text of the cards and the history, as the engine has it (for the tests).
std::vector<std::string> modelTextsToTranslate();

class ModelCardView : public QWidget {
  Q_OBJECT
 public:
  explicit ModelCardView(QWidget* parent = nullptr);
  void showArchitecture(const std::string& architecture);
  QString cardText() const;  // the card as plain text (for tests)
  void retranslateUi();

 private:
  void openHistory();

  std::string m_architecture;
  QLabel* m_card;
  QPushButton* m_history;
};

class ModelHistoryDialog : public QDialog {
  Q_OBJECT
 public:
  // `highlight`: the architecture whose step is marked ("" for none).
  explicit ModelHistoryDialog(const std::string& highlight, QWidget* parent = nullptr);
  QString historyText() const;  // plain text (for tests)

 private:
  QTextBrowser* m_text;
};

}  // namespace ft::ui
