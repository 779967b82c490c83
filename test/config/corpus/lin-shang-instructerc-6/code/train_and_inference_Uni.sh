# choose the base model, the fine-tuning setting and the dataset
MODEL_NAME='LLaMA2'
Experiments_setting='lora'
dataset='meld'

historical_window=12
accumulations=8
graphics_card=1
BS=$((accumulations * graphics_card))

speaker_task='None'
emotion_prediction='False'

DATA_PATH=$(python data_process.py --dataset ${dataset} \
    --historical_window ${historical_window} \
    --speaker_task ${speaker_task} \
    --emotion_prediction ${emotion_prediction})

MAX_LENGTH=1024
MODEL_PATH='/models/Llama-2-7b-hf'

if [ ${Experiments_setting} = 'lora' ]
then
    DO_EVAL=True
    DO_TRAIN=True
    LORA=True
    LR=2e-4
elif [ ${Experiments_setting} = 'all_parameters' ]
then
    DO_EVAL=True
    DO_TRAIN=True
    LORA=False
    LR=2e-5
fi

deepspeed --master_port=29500 main_new.py \
    --dataset ${dataset} \
    --model_name_or_path ${MODEL_PATH} \
    --data_dir ${DATA_PATH} \
    --output_dir ./experiments/${MODEL_NAME}/${Experiments_setting}/${dataset}/${speaker_task} \
    --max_length ${MAX_LENGTH} \
    --batch_size ${BS} \
    --deepspeed_config ./code/data_utils/deepspeed_config.json \
    --gradient_accumulation_steps ${accumulations} \
    --eval_batch_size 8 \
    --num_train_epochs 6 \
    --lora ${LORA} \
    --learning_rate ${LR} \
    --do_eval ${DO_EVAL} \
    --do_train ${DO_TRAIN}
