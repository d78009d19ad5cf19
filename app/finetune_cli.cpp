// finetune-cli: headless front end of the training engine (being written).
int main() { return 0; }
