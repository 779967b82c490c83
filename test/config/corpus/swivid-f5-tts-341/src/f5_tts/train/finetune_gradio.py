import os
import subprocess

import gradio as gr

path_data = os.path.abspath("data")
file_train = os.path.abspath("src/f5_tts/train/finetune_cli.py")
training_process = None


def start_training(
    dataset_name="",
    exp_name="F5TTS_Base",
    learning_rate=1e-5,
    batch_size_per_gpu=3200,
    batch_size_type="frame",
    max_samples=64,
    grad_accumulation_steps=1,
    max_grad_norm=1.0,
    epochs=100,
    num_warmup_updates=100,
    save_per_updates=500,
    last_per_steps=100,
    finetune=True,
    tokenizer_type="pinyin",
    mixed_precision="fp16",
    logger="tensorboard",
):
    global training_process

    # an empty string means full fp32; otherwise accelerate gets the precision flag
    if mixed_precision != "none":
        fp16 = f"--mixed_precision={mixed_precision}"
    else:
        fp16 = ""

    cmd = (
        f"accelerate launch {fp16} {file_train} --exp_name {exp_name} "
        f"--learning_rate {learning_rate} "
        f"--batch_size_per_gpu {batch_size_per_gpu} "
        f"--batch_size_type {batch_size_type} "
        f"--max_samples {max_samples} "
        f"--grad_accumulation_steps {grad_accumulation_steps} "
        f"--max_grad_norm {max_grad_norm} "
        f"--epochs {epochs} "
        f"--num_warmup_updates {num_warmup_updates} "
        f"--save_per_updates {save_per_updates} "
        f"--last_per_steps {last_per_steps} "
        f"--dataset_name {dataset_name}"
    )
    if finetune:
        cmd += f" --finetune {finetune}"
    cmd += f" --tokenizer {tokenizer_type} "
    cmd += f" --log_samples True --logger {logger} "

    print(cmd)
    training_process = subprocess.Popen(cmd, shell=True)
    return "train started"


with gr.Blocks() as app:
    project_name = gr.Textbox(label="Project name")
    lr = gr.Number(label="Learning Rate", value=1e-5)
    epochs = gr.Number(label="Epochs", value=100)
    mixed_precision = gr.Radio(label="mixed_precision", choices=["none", "fp16", "fpb16"], value="none")
    start_button = gr.Button("Start Training")
    start_button.click(
        lambda name, lr_, ep, mp: start_training(dataset_name=name, learning_rate=lr_, epochs=int(ep), mixed_precision=mp),
        inputs=[project_name, lr, epochs, mixed_precision],
        outputs=[],
    )

if __name__ == "__main__":
    app.queue().launch()
