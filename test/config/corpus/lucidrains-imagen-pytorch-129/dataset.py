from pathlib import Path
from PIL import Image
from torch.utils.data import Dataset
import torchvision.transforms as T

class CaptionedImages(Dataset):
    def __init__(self, folder, image_size):
        self.paths = sorted(Path(folder).glob('*.jpg'))
        self.tf = T.Compose([T.Resize(image_size), T.CenterCrop(image_size), T.ToTensor()])

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        path = self.paths[i]
        return self.tf(Image.open(path).convert('RGB')), path.with_suffix('.txt').read_text().strip()
