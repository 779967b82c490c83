import torch
from tqdm import tqdm


def get_device():
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    return device, torch.cuda.device_count()


def train(model, optimizer, processed_dataset, dataloaders, **kwargs):
    device, n_gpus = get_device()
    model.to(device)

    for epoch in range(1, kwargs['epochs'] + 1):
        model.train()
        train_loss, train_steps = 0, 0
        pbar = tqdm(dataloaders['train'], unit='batch', desc='Epoch: {}/{}'.format(epoch, kwargs['epochs'] + 1))
        for batch in pbar:
            optimizer.zero_grad()
            index, encoded_mentions, graph, target = batch
            sample = processed_dataset['train'][index.item()]

            logits, loss = model(sample['query'], sample['candidate_indices'],
                                 encoded_mentions.squeeze(0).to(device), graph.squeeze(0).to(device), target.to(device))
            loss.backward()

            # Gradient clipping
            # torch.nn.utils.clip_grad_norm_(parameters=model.parameters(), max_norm=grad_norm)

            optimizer.step()

            train_loss += loss.item()
            train_steps += 1
            pbar.set_postfix(loss=train_loss / train_steps)
        pbar.close()
