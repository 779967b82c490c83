// What kind of network a project trains, from what the diagnosis read (config keys and values, script facts):
// the probe builds a stand-in of that family when the user gives no model.
import type { LocatedFile } from './types';

export type TaskFamily = 'vision' | 'language' | 'other';

const VISION = /\b(unet|vae|diffusion|diffusers|latents?|image|img|pixel|resnet|vit|convnext|yolo|detect\w*|segment\w*|coco|imagenet|cifar|mmdet|detectron|roi_heads|bbox|mask_rcnn|retinanet|width|height|resolution)\b/gi;
const LANGUAGE = /\b(token\w*|llama|gpt\w*|bert|t5|mt5|opt|mistral|qwen|causal\w*|lm_head|vocab\w*|seq_len|max_length|max_seq_length|block_size|text|sentence|prompt|lora_r|peft)\b/gi;

/** The family the project's settings speak of most: vision (conv stand-in), language (transformer), else other (MLP). */
export function taskFamily(files: LocatedFile[]): TaskFamily {
  const words = files.flatMap((f) => [...f.values.map((v) => `${v.keyPath} ${typeof v.value === 'string' ? v.value : ''}`), ...f.facts.map((x) => x.text)]).join(' ');
  const vision = words.match(VISION)?.length ?? 0;
  const language = words.match(LANGUAGE)?.length ?? 0;
  if (vision === 0 && language === 0) return 'other';
  return vision >= language ? 'vision' : 'language';
}
